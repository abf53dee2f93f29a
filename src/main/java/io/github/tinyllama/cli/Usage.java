package io.github.tinyllama.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * Usage errors found after parsing (a count that must be positive, a value out of range): thrown as picocli's
 * {@link ParameterException}, they exit with status 2 and the usage hint, like a misspelt option.
 */
final class Usage {

    private Usage() {}

    /** A usage error of {@code spec}'s command. */
    static ParameterException error(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Throws a usage error of {@code spec}'s command unless {@code ok}. */
    static void require(CommandSpec spec, boolean ok, String message) {
        if (!ok) {
            throw error(spec, message);
        }
    }
}
