package io.github.tinyllama.spark;

import org.apache.spark.SparkException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * {@code tinyllama-spark}: evaluation, scoring and generation as Spark jobs. Exit status 0 on success, 1 when the
 * job failed (one line on standard error says why; a bad input row is named by file and line), 2 for a usage
 * error.
 */
@Command(name = "tinyllama-spark", mixinStandardHelpOptions = true,
        description = "TinyLlama evaluation, scoring and generation as Apache Spark jobs.",
        subcommands = {EvalJob.class, ScoreJob.class, GenerateJob.class, CommandLine.HelpCommand.class})
public final class SparkMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line without exiting (for tests); returns the exit status. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SparkMain());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("tinyllama-spark " + line.getCommandName() + ": error: " + oneLine(e));
            if (parsed.hasMatchedOption("--verbose") || Boolean.getBoolean("tinyllama.verbose")) {
                e.printStackTrace(line.getErr());
            }
            line.getErr().flush();
            return 1;
        });
        cli.setParameterExceptionHandler((e, args2) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("tinyllama-spark " + e.getCommandLine().getCommandName() + ": " + e.getMessage());
            err.println("Try 'tinyllama-spark " + e.getCommandLine().getCommandName() + " --help' for usage.");
            err.flush();
            return 2;
        });
        try {
            return cli.execute(args);
        } finally {
            ExecutorModels.closeAll();
        }
    }

    /**
     * A failure as one line: a bad row's own message (file and line) wherever Spark wrapped it, else the first
     * line of Spark's report or the exception's message.
     */
    static String oneLine(Throwable e) {
        BadRowException bad = BadRowException.find(e);
        if (bad != null) {
            return bad.getMessage();
        }
        Throwable shown = e;
        while (shown.getCause() != null && shown.getCause() != shown && !(shown instanceof SparkException)
                && shown.getMessage() == null) {
            shown = shown.getCause();
        }
        String message = shown.getMessage() == null ? shown.toString() : shown.getMessage();
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
