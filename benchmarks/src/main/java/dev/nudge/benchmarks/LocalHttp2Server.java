package dev.nudge.benchmarks;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;

/**
 * An HTTP/2 server over TLS on loopback that answers every request at once: {@code /push/...}
 * with {@code 201 Created}, a {@code Location} and no body, as a Web Push service does; anything
 * else with {@code 200} and a fixed JSON body, {@code /token} with an access token, the rest with
 * an FCM message name.
 * Built on Netty's HTTP/2 codec so that the server is not what limits a benchmark of its clients
 * (OkHttp's MockWebServer answers a few thousand requests a second). Counts the requests.
 */
final class LocalHttp2Server implements AutoCloseable {
  private static final byte[] TOKEN = "{\"access_token\":\"ya29.bench\",\"expires_in\":3600,\"token_type\":\"Bearer\"}"
      .getBytes(StandardCharsets.UTF_8);
  private static final byte[] SENT = "{\"name\":\"projects/nudge-bench/messages/0:1700000000000000%00\"}"
      .getBytes(StandardCharsets.UTF_8);

  final dev.nudge.examples.LocalCredentials credentials = dev.nudge.examples.LocalCredentials.generate(
      "Nudge benchmark CA");
  private final NioEventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel channel;
  final LongAdder requests = new LongAdder();
  /** The body of the first request other than {@code /token}, as it arrived. */
  final java.util.concurrent.atomic.AtomicReference<String> firstBody = new java.util.concurrent.atomic.AtomicReference<>();

  LocalHttp2Server() throws Exception {
    SslContext tls = SslContextBuilder.forServer(credentials.serverKey(), credentials.serverChain())
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
        .build();
    channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(tls.newHandler(ch.alloc()), new ApplicationProtocolNegotiationHandler("") {
              @Override
              protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                if (!ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                  ctx.close();
                  return;
                }
                ctx.pipeline().addLast(new ResponderBuilder(requests, firstBody).build());
              }
            });
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
  }

  int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Answers each request when its last frame arrives. */
  private static final class Responder extends Http2ConnectionHandler {
    private final java.util.Map<Integer, Boolean> tokenStreams = new java.util.HashMap<>();
    private final java.util.Set<Integer> pushStreams = new java.util.HashSet<>();
    private final LongAdder requests;
    private final java.util.concurrent.atomic.AtomicReference<String> firstBody;
    private final java.util.Map<Integer, StringBuilder> bodies = new java.util.HashMap<>();

    Responder(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
        LongAdder requests, java.util.concurrent.atomic.AtomicReference<String> firstBody) {
      super(decoder, encoder, settings);
      this.requests = requests;
      this.firstBody = firstBody;
      decoder.frameListener(new Http2FrameAdapter() {
        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
            boolean endOfStream) {
          tokenStreams.put(streamId, headers.path() != null && headers.path().toString().startsWith("/token"));
          if (headers.path() != null && headers.path().toString().startsWith("/push/")) {
            pushStreams.add(streamId);
          }
          if (endOfStream) {
            respond(ctx, streamId);
          }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int dependency,
            short weight, boolean exclusive, int padding, boolean endOfStream) {
          onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
          int processed = data.readableBytes() + padding; // returned to the flow-control window at once
          if (firstBody.get() == null && !Boolean.TRUE.equals(tokenStreams.get(streamId))) {
            bodies.computeIfAbsent(streamId, id -> new StringBuilder()).append(data.toString(StandardCharsets.UTF_8));
            if (endOfStream) {
              firstBody.compareAndSet(null, bodies.remove(streamId).toString());
            }
          }
          if (endOfStream) {
            respond(ctx, streamId);
          }
          return processed;
        }
      });
    }

    private void respond(ChannelHandlerContext ctx, int streamId) {
      requests.increment();
      boolean token = Boolean.TRUE.equals(tokenStreams.remove(streamId));
      if (pushStreams.remove(streamId)) {
        encoder().writeHeaders(ctx, streamId, new DefaultHttp2Headers().status("201").add("location",
            "/message/" + streamId), 0, true, ctx.newPromise());
        ctx.flush();
        return;
      }
      encoder().writeHeaders(ctx, streamId, new DefaultHttp2Headers().status("200").add("content-type",
          "application/json"), 0, false, ctx.newPromise());
      encoder().writeData(ctx, streamId, Unpooled.wrappedBuffer(token ? TOKEN : SENT), 0, true, ctx.newPromise());
      ctx.flush();
    }
  }

  /** Builds a responder per connection, with room for 1,000 concurrent streams. */
  private static final class ResponderBuilder
      extends io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder<Responder, ResponderBuilder> {
    private final LongAdder requests;
    private final java.util.concurrent.atomic.AtomicReference<String> firstBody;

    ResponderBuilder(LongAdder requests, java.util.concurrent.atomic.AtomicReference<String> firstBody) {
      this.requests = requests;
      this.firstBody = firstBody;
      initialSettings(new Http2Settings().maxConcurrentStreams(1_000));
    }

    @Override
    protected Responder build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
        Http2Settings initialSettings) {
      return new Responder(decoder, encoder, initialSettings, requests, firstBody);
    }

    @Override
    public Responder build() {
      return super.build();
    }
  }
}
