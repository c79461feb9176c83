package io.flinkops.flink;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flinkops.flink.data.Values;
import io.flinkops.flink.standin.PreviewRegistry;
import io.flinkops.flink.standin.StandinContext;
import org.apache.flink.runtime.util.EnvironmentInformation;

/**
 * The flinkops Flink helper: a long-running process that answers JSON-lines requests on stdin
 * with JSON-lines responses on stdout (one line per request, same "id"), using this exact Flink
 * version's planner. Ends on EOF. Operations: version, validate, preview, compile (see
 * flink/README.md). stdout carries nothing but responses: System.out is redirected to stderr.
 */
public final class Helper {

    private Helper() {}

    public static void main(String[] args) throws Exception {
        PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
        System.setOut(System.err);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.trim().isEmpty()) {
                continue;
            }
            String text;
            try {
                text = Values.MAPPER.writeValueAsString(handle(line));
            } catch (Throwable t) {
                ObjectNode r = Values.MAPPER.createObjectNode();
                r.set("id", NullNode.getInstance());
                r.put("error", "internal error: " + t);
                text = r.toString();
            }
            protocol.print(text);
            protocol.print('\n');
            protocol.flush();
        }
        protocol.flush();
        // Flink leaves non-daemon threads behind (mini clusters, executors): end explicitly.
        System.exit(0);
    }

    /** Answers one request line. Never throws for bad input: errors become responses. */
    static ObjectNode handle(String line) {
        ObjectNode resp = Values.MAPPER.createObjectNode();
        JsonNode req;
        try {
            req = Values.MAPPER.readTree(line);
        } catch (Exception e) {
            resp.set("id", NullNode.getInstance());
            resp.put("error", "invalid JSON request: " + e.getMessage());
            return resp;
        }
        if (req == null || !req.isObject()) {
            resp.set("id", NullNode.getInstance());
            resp.put("error", "a request must be a JSON object");
            return resp;
        }
        resp.set("id", req.hasNonNull("id") ? req.get("id") : NullNode.getInstance());
        String op = req.path("op").asText("");
        try {
            switch (op) {
                case "version":
                    resp.put("flinkVersion", EnvironmentInformation.getVersion());
                    resp.put("java", System.getProperty("java.version"));
                    break;
                case "validate":
                    validate(req, resp);
                    break;
                case "preview":
                    preview(req, resp);
                    break;
                case "compile":
                    compile(req, resp);
                    break;
                default:
                    resp.put("error", "unknown op '" + op + "' (expected version, validate, preview, compile)");
            }
        } catch (Throwable t) {
            resp.put("error", "internal error: " + Diagnostics.bestMessage(Diagnostics.chain(t)));
        }
        return resp;
    }

    private static void validate(JsonNode req, ObjectNode resp) {
        ArrayNode out = resp.putArray("jobs");
        JsonNode jobs = req.path("jobs");
        if (!jobs.isArray()) {
            resp.put("error", "validate needs \"jobs\": [...]");
            return;
        }
        for (JsonNode job : jobs) {
            long start = System.nanoTime();
            ObjectNode r = out.addObject();
            r.set("job", job.hasNonNull("job") ? job.get("job") : NullNode.getInstance());
            StandinContext ctx = new StandinContext(StandinContext.Mode.VALIDATE, null, null, 10, 0);
            JobSession session = new JobSession(StandinContext.Mode.VALIDATE, ctx, job, 3600);
            runSafely(session, job);
            r.set("diagnostics", session.diagnosticsJson());
            r.set("statements", session.statementResults());
            r.put("millis", (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static void preview(JsonNode req, ObjectNode resp) {
        String runId = UUID.randomUUID().toString();
        Map<String, List<JsonNode>> samples = new LinkedHashMap<>();
        JsonNode s = req.path("samples");
        if (s.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = s.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                List<JsonNode> rows = new ArrayList<>();
                e.getValue().forEach(rows::add);
                samples.put(e.getKey(), rows);
            }
        }
        int rows = Math.max(0, req.path("rows").asInt(10));
        long seed = req.path("seed").asLong(0);
        long timeout = Math.max(1, req.path("timeoutSeconds").asLong(60));
        int maxRows = Math.max(0, req.path("maxRows").asInt(1000));
        StandinContext ctx = new StandinContext(StandinContext.Mode.PREVIEW, runId, samples, rows, seed);
        JobSession session = new JobSession(StandinContext.Mode.PREVIEW, ctx, req, timeout);
        PreviewRegistry.open(runId);
        Map<String, PreviewRegistry.SinkOutput> sinks;
        try {
            runSafely(session, req);
        } finally {
            sinks = PreviewRegistry.close(runId);
        }
        if (req.hasNonNull("job")) {
            resp.set("job", req.get("job"));
        }
        resp.set("diagnostics", session.diagnosticsJson());
        resp.set("sinks", session.sinksJson(sinks, maxRows));
        if (req.path("changelog").asBoolean(false)) {
            addChangelogs((ObjectNode) resp.get("sinks"), sinks);
        }
        resp.set("statements", session.statementResults());
        // Which tables the job read, as Flink resolved them: a sample naming none of them is the user's mistake.
        com.fasterxml.jackson.databind.node.ArrayNode read = resp.putArray("tablesRead");
        ctx.tablesRead().forEach(read::add);
    }

    /** "changelog": every change each sink received, in arrival order (flinkops test compares it). */
    private static void addChangelogs(ObjectNode out, Map<String, PreviewRegistry.SinkOutput> sinks) {
        for (PreviewRegistry.SinkOutput s : sinks.values()) {
            if (out.get(s.name) instanceof ObjectNode) {
                ((ObjectNode) out.get(s.name)).putArray("changelog").addAll(s.changelog());
            }
        }
    }

    private static void compile(JsonNode req, ObjectNode resp) {
        StandinContext ctx = new StandinContext(StandinContext.Mode.COMPILE, null, null, 10, 0);
        JobSession session = new JobSession(StandinContext.Mode.COMPILE, ctx, req, 3600);
        runSafely(session, req);
        if (req.hasNonNull("job")) {
            resp.set("job", req.get("job"));
        }
        resp.set("diagnostics", session.diagnosticsJson());
        resp.set("plans", session.plans());
        resp.set("statements", session.statementResults());
    }

    private static void runSafely(JobSession session, JsonNode job) {
        try {
            session.run(job.get("statements"));
        } catch (Throwable t) {
            session.addInternal(t);
        }
    }
}
