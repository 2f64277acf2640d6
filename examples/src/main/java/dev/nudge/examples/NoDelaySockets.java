package dev.nudge.examples;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;

/**
 * Socket factories for the demo's mock servers on OkHttp's MockWebServer ({@link LocalFcm},
 * {@link LocalWebPush}) and their clients, whose sockets send each write at once (TCP_NODELAY).
 * MockWebServer writes an HTTP/2 answer's HEADERS and DATA frames separately; with Nagle's
 * algorithm the second waits for the client's delayed ACK, some 40 ms on loopback, for every
 * answer. Stateless and thread-safe.
 */
final class NoDelaySockets {
  private NoDelaySockets() {}

  /** Client sockets with TCP_NODELAY, for an OkHttp client's {@code socketFactory}. */
  static SocketFactory client() {
    return new Client();
  }

  /** Server sockets whose accepted connections have TCP_NODELAY, for MockWebServer's {@code setServerSocketFactory}. */
  static ServerSocketFactory server() {
    return new Server();
  }

  private static final class Client extends SocketFactory {
    @Override
    public Socket createSocket() throws IOException {
      Socket socket = new Socket();
      socket.setTcpNoDelay(true);
      return socket;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress remote, InetSocketAddress... local) throws IOException {
      Socket socket = createSocket();
      if (local.length > 0) {
        socket.bind(local[0]);
      }
      socket.connect(remote);
      return socket;
    }
  }

  private static final class Server extends ServerSocketFactory {
    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new ServerSocket() {
        @Override
        public Socket accept() throws IOException {
          Socket socket = super.accept();
          socket.setTcpNoDelay(true);
          return socket;
        }
      };
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      return createServerSocket(port, 50, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return createServerSocket(port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
      ServerSocket socket = createServerSocket();
      socket.bind(new InetSocketAddress(address, port), backlog);
      return socket;
    }
  }
}
