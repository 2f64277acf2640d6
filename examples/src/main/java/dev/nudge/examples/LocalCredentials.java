package dev.nudge.examples;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * The TLS identity of a mock push service on loopback, generated at run time: a certificate
 * authority of its own and a server certificate for {@value #HOST} signed by it, so a client that
 * trusts only {@link #authority()} talks to the mock server exactly as it would to Apple or
 * Google. Nothing is read from disk or written; the private keys live only in this object and are
 * never printed. Immutable and thread-safe.
 */
public final class LocalCredentials {
  /** The loopback host name the server certificate is issued for. */
  public static final String HOST = "localhost";

  private final HeldCertificate authority;
  private final HeldCertificate server;

  private LocalCredentials(String authorityName) {
    this.authority = new HeldCertificate.Builder().certificateAuthority(0).commonName(authorityName).build();
    this.server = new HeldCertificate.Builder().addSubjectAlternativeName(HOST).commonName(HOST)
        .signedBy(authority).build();
  }

  /** A fresh certificate authority named {@code authorityName} and a {@value #HOST} certificate it issued. */
  public static LocalCredentials generate(String authorityName) {
    return new LocalCredentials(authorityName);
  }

  /** The certificate authority that issued the server's certificate: the one a client trusts. */
  public X509Certificate authority() {
    return authority.certificate();
  }

  /** The server's certificate chain, its own certificate first. */
  public X509Certificate[] serverChain() {
    return new X509Certificate[] {server.certificate(), authority.certificate()};
  }

  /** The server certificate's private key. */
  public PrivateKey serverKey() {
    return server.keyPair().getPrivate();
  }

  /** The server's side of the handshake, for OkHttp's MockWebServer. */
  public HandshakeCertificates serverCertificates() {
    return new HandshakeCertificates.Builder().heldCertificate(server, authority.certificate()).build();
  }

  /** A client's side that trusts {@link #authority()} and nothing else. */
  public HandshakeCertificates clientCertificates() {
    return new HandshakeCertificates.Builder().addTrustedCertificate(authority.certificate()).build();
  }

  /**
   * A private key in PEM armour around its PKCS#8 encoding, the form of an APNs {@code .p8} file
   * and of a service-account key's {@code private_key}.
   */
  public static String pem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  @Override
  public String toString() {
    return "LocalCredentials{" + HOST + ", authority " + authority.certificate().getSubjectX500Principal().getName()
        + "}";
  }
}
