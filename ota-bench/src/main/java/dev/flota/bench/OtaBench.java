package dev.flota.bench;

import dev.flota.bench.demo.DemoCommand;
import dev.flota.bench.host.NvsCommand;
import dev.flota.bench.host.OtadataCommand;
import dev.flota.bench.host.PartitionsCommand;
import dev.flota.bench.host.flash.FlashCommand;
import dev.flota.bench.host.image.ImageCommand;
import dev.flota.bench.jmh.JmhCommand;
import dev.flota.bench.ota.ServeCommand;
import dev.flota.bench.ota.UpdateCommand;
import dev.flota.bench.scenarios.BenchCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code ota-bench} command line: ESP-IDF host tools ({@code esptool image_info}, {@code espsecure},
 * {@code gen_esp32part.py}, {@code otatool.py}) over Flota's format code.
 *
 * <p>Exit codes: 0 success (or a valid image), 1 a negative verdict (invalid image, refused signature),
 * 2 usage errors and unreadable files.
 */
@Command(name = "ota-bench", mixinStandardHelpOptions = true, versionProvider = OtaBench.Version.class,
        description = "Flota: ESP-IDF compatible OTA tools and bench.",
        subcommands = {DemoCommand.class, ImageCommand.class, PartitionsCommand.class, OtadataCommand.class,
                NvsCommand.class, FlashCommand.class, UpdateCommand.class, ServeCommand.class, BenchCommand.class,
                JmhCommand.class})
public final class OtaBench {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Runs the command line with the given output streams and returns the exit code, for tests. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine commandLine = commandLine();
        commandLine.setOut(out);
        commandLine.setErr(err);
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new OtaBench());
        commandLine.getSubcommands().get("jmh").setUnmatchedOptionsArePositionalParams(true);
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof UsageException) {
                cmd.getErr().println("error: " + ex.getMessage());
                return CommandLine.ExitCode.USAGE;
            }
            throw ex;
        });
        return commandLine;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = OtaBench.class.getPackage().getImplementationVersion();
            return new String[] {"ota-bench " + (version != null ? version : "development build")};
        }
    }
}
