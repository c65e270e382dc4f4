package dev.flota.bench;

import picocli.CommandLine.Option;

/**
 * The {@code --json} switch of the host tools that print either text or JSON ({@code image info}, {@code image
 * verify}, {@code otadata}, {@code flash info}, {@code flash boot}): one declaration, so the option reads the same
 * in every command. A picocli mixin: {@code @Mixin JsonOption json;}.
 */
public final class JsonOption {

    @Option(names = "--json", description = "print JSON instead of text")
    private boolean json;

    /** Whether the command was asked for JSON. */
    public boolean enabled() {
        return json;
    }
}
