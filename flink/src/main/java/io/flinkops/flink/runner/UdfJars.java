package io.flinkops.flink.runner;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The udfJars a session-mode job gets as URIs: Flink's ADD JAR reads through Flink filesystems
 * (ResourceManager.registerJarResources), which have no http(s), so those are fetched here first.
 * Paths and filesystem URIs (hdfs://, s3://) are given to ADD JAR as they are.
 */
final class UdfJars {

    /** The largest jar fetched (as preview's MAX_JAR_BYTES in lib/flink/jars.ts): a bound, not a quota. */
    static final long MAX_BYTES = 512L * 1024 * 1024;

    private UdfJars() {}

    static String local(String uri) throws IOException {
        return local(uri, MAX_BYTES);
    }

    static String local(String uri, long maxBytes) throws IOException {
        String scheme = URI.create(uri).getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            return uri;
        }
        String name = Path.of(URI.create(uri).getPath()).getFileName().toString();
        Path target = Files.createTempDirectory("flinkops-udf").resolve(name);
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<InputStream> r = client.send(
                    HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofMinutes(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw new IOException("Fetching UDF jar " + uri + " failed: HTTP " + r.statusCode());
            }
            long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > maxBytes) {
                r.body().close();
                throw tooLarge(uri, maxBytes);
            }
            try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(target)) {
                byte[] buf = new byte[64 * 1024];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    if (total > maxBytes) {
                        out.close();
                        Files.deleteIfExists(target);
                        throw tooLarge(uri, maxBytes);
                    }
                    out.write(buf, 0, n);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Fetching UDF jar " + uri + " was interrupted", e);
        }
        return target.toString();
    }

    private static IOException tooLarge(String uri, long maxBytes) {
        return new IOException("Fetching UDF jar " + uri + " refused: larger than " + maxBytes + " bytes");
    }
}
