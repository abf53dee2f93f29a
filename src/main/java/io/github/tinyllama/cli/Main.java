package io.github.tinyllama.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** The {@code tinyllama} command: one subcommand per job, each a thin layer over the Java API. */
@Command(
        name = "tinyllama",
        mixinStandardHelpOptions = true,
        version = "tinyllama-djl 0.1.0",
        description = "TinyLlama on the Deep Java Library: generate, chat, score, evaluate, tokenize, convert,"
                + " prepare data, pre-train, fine-tune and benchmark.",
        subcommands = {
            GenerateCommand.class,
            ChatCommand.class,
            ScoreCommand.class,
            TokenizeCommand.class,
            ConvertTokenizerCommand.class,
            PrepareDataCommand.class,
            PretrainCommand.class,
            FinetuneCommand.class,
            HeldOutLossCommand.class,
            ConvertCommand.class,
            MergeAdapterCommand.class,
            RandomCheckpointCommand.class,
            BenchServeCommand.class,
            ServeCommand.class,
            BenchCommand.class,
            BenchTrainCommand.class,
            EvalCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the command line without exiting, for tests and embedding.
     *
     * @param args the arguments after {@code tinyllama}
     * @return the exit status: 0 on success, 1 when the job failed, 2 for a usage error
     */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("tinyllama " + line.getCommandName() + ": error: " + oneLine(e));
            line.getErr().flush();
            return 1;
        });
        cli.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("tinyllama " + e.getCommandLine().getCommandName() + ": " + e.getMessage());
            err.println("Try 'tinyllama " + e.getCommandLine().getCommandName() + " --help' for usage.");
            err.flush();
            return 2;
        });
        return cli;
    }

    /** A failure as one line: its message (or its type when it has none), with the root cause when it adds one. */
    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
            message += " (" + root.getMessage() + ")";
        }
        return message.replace('\n', ' ');
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
