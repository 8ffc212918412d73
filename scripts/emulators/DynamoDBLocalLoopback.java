import java.lang.reflect.Field;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local bound to one interface (127.0.0.1 unless -Dconcierge.bindHost says
 * otherwise). DynamoDB Local has no bind option and listens on all interfaces, so this builds the
 * server from the usual command line, sets the host on its Jetty connector, then starts it.
 *
 * It skips ServerRunner.main on purpose: that is where the telemetry client is configured.
 *
 * With -Dconcierge.exitOnStdinEOF=true it exits when its standard input closes, so the emulator
 * dies with the harness that started it even if the harness is killed without cleaning up.
 */
public final class DynamoDBLocalLoopback {
    private DynamoDBLocalLoopback() {}

    public static void main(String[] args) throws Exception {
        String host = System.getProperty("concierge.bindHost", "127.0.0.1");

        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        if (proxy == null) {
            System.err.println("DynamoDB Local did not accept the arguments");
            System.exit(2);
        }

        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        Connector[] connectors = server.getConnectors();
        if (connectors.length == 0) {
            System.err.println("DynamoDB Local has no connector to bind");
            System.exit(2);
        }
        for (Connector c : connectors) {
            ((ServerConnector) c).setHost(host);
        }

        if (Boolean.getBoolean("concierge.exitOnStdinEOF")) {
            Thread watchdog = new Thread(() -> {
                try {
                    while (System.in.read() != -1) {
                        // Drain until the parent closes the pipe.
                    }
                } catch (java.io.IOException ignored) {
                    // A broken pipe means the parent is gone, same as EOF.
                }
                System.exit(0);
            }, "stdin-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }

        // DynamoDBProxyServer.start swallows a failed bind (it prints and stops the server), so
        // check that Jetty really runs and fail loudly for the harness to retry on another port.
        proxy.start();
        if (!server.isStarted()) {
            System.err.println("DynamoDB Local failed to start on " + host);
            System.exit(3);
        }
        int port = ((ServerConnector) connectors[0]).getLocalPort();
        System.out.println("DynamoDB Local listening on " + host + ":" + port);
        proxy.join();
    }
}
