package io.flinkops.flink.runner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The session runner fetches http(s) udfJars itself: whole when small enough, never past its bound. */
class UdfJarsTest {
    private HttpServer server;
    private final byte[] jar = new byte[100_000];

    @BeforeEach
    void serve() throws IOException {
        for (int i = 0; i < jar.length; i++) {
            jar[i] = (byte) i;
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // with a length, and chunked (no Content-Length): the bound holds either way
        server.createContext("/sized/udf.jar", ex -> send(ex, jar.length));
        server.createContext("/chunked/udf.jar", ex -> send(ex, 0));
        server.start();
    }

    private void send(com.sun.net.httpserver.HttpExchange ex, long length) throws IOException {
        ex.sendResponseHeaders(200, length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(jar);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Test
    void fetchesAJarWithinTheBound() throws IOException {
        for (String p : new String[] {"/sized/udf.jar", "/chunked/udf.jar"}) {
            Path local = Path.of(UdfJars.local(url(p), jar.length));
            assertEquals("udf.jar", local.getFileName().toString());
            assertArrayEquals(jar, Files.readAllBytes(local));
        }
    }

    @Test
    void refusesAJarPastTheBoundAndKeepsNothing() {
        for (String p : new String[] {"/sized/udf.jar", "/chunked/udf.jar"}) {
            IOException e = assertThrows(IOException.class, () -> UdfJars.local(url(p), jar.length - 1));
            assertTrue(e.getMessage().contains("larger than 99999 bytes"), e.getMessage());
        }
    }

    @Test
    void leavesFilesystemUrisToFlink() throws IOException {
        assertEquals("hdfs://nn/udf/geo.jar", UdfJars.local("hdfs://nn/udf/geo.jar"));
    }
}
