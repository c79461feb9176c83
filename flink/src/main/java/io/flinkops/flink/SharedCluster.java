package io.flinkops.flink;

import java.net.URI;
import java.util.concurrent.TimeUnit;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;

/**
 * One local mini cluster for all previews of the helper's lifetime, reached through its REST
 * endpoint on 127.0.0.1 (preview TableEnvironments use {@code execution.target: remote}).
 *
 * <p>Flink's default local executor starts a new mini cluster per job, and every start loads the
 * RPC system into a new class loader that is never released (thousands of classes per job); a
 * shared cluster keeps the helper's memory flat and saves the start-up of each preview job.
 */
final class SharedCluster {

    private static MiniCluster cluster;
    private static URI restAddress;

    private SharedCluster() {}

    static synchronized URI restAddress() throws Exception {
        if (restAddress == null) {
            Configuration conf = new Configuration();
            conf.set(RestOptions.ADDRESS, "127.0.0.1");
            conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            conf.set(RestOptions.BIND_PORT, "0");
            conf.setString("restart-strategy.type", "none");
            conf.setString("taskmanager.memory.managed.size", "256m");
            conf.setString("taskmanager.memory.network.min", "64m");
            conf.setString("taskmanager.memory.network.max", "64m");
            MiniClusterConfiguration cfg = new MiniClusterConfiguration.Builder()
                    .setConfiguration(conf)
                    .setNumTaskManagers(1)
                    .setNumSlotsPerTaskManager(2)
                    .build();
            MiniCluster mc = new MiniCluster(cfg);
            mc.start();
            restAddress = mc.getRestAddress().get(60, TimeUnit.SECONDS);
            cluster = mc;
            Runtime.getRuntime().addShutdownHook(new Thread(SharedCluster::close, "flinkops-cluster-shutdown"));
        }
        return restAddress;
    }

    private static void close() {
        MiniCluster mc;
        synchronized (SharedCluster.class) {
            mc = cluster;
            cluster = null;
        }
        if (mc != null) {
            try {
                mc.closeAsync().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // exiting anyway
            }
        }
    }
}
