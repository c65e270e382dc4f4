package dev.flota.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command line in-process and captures what it prints. */
public record Cli(int exitCode, String out, String err) {

    public static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = OtaBench.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Cli(code, out.toString(), err.toString());
    }

    /** Runs the command line and asserts its exit code, showing the command and what it printed when it differs. */
    public static Cli expect(int exitCode, String... args) {
        Cli cli = run(args);
        assertThat(cli.exitCode()).as("%s%nout: %s%nerr: %s", String.join(" ", args), cli.out(), cli.err())
                .isEqualTo(exitCode);
        return cli;
    }

    public JsonNode json() {
        try {
            return Json.MAPPER.readTree(out);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + out + err, e);
        }
    }
}
