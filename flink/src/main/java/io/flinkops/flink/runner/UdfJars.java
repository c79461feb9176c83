package io.flinkops.flink.runner;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * The udfJars a session-mode job gets as URIs: Flink's ADD JAR reads through Flink filesystems
 * (ResourceManager.registerJarResources), which have no http(s), so those are fetched here first.
 * Paths and filesystem URIs (hdfs://, s3://) are given to ADD JAR as they are.
 */
final class UdfJars {

    private UdfJars() {}

    static String local(String uri) throws IOException {
        String scheme = URI.create(uri).getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            return uri;
        }
        String name = Path.of(URI.create(uri).getPath()).getFileName().toString();
        Path target = Files.createTempDirectory("flinkops-udf").resolve(name);
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create(uri)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) {
                r.body().close();
                throw new IOException("Fetching UDF jar " + uri + " failed: HTTP " + r.statusCode());
            }
            try (InputStream in = r.body()) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Fetching UDF jar " + uri + " was interrupted", e);
        }
        return target.toString();
    }
}
