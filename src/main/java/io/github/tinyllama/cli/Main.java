package io.github.tinyllama.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

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
            ModelsCommand.class,
            DownloadCommand.class,
            PerplexityCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "On an error, print the stack trace after the one-line message.")
    boolean verbose;

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
        cli.setExecutionStrategy(Main::runCatchingErrors);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            Throwable failure = e instanceof ExecutionException && e.getCause() instanceof Error ? e.getCause() : e;
            line.getErr().println("tinyllama " + line.getCommandName() + ": error: " + Failures.oneLine(failure));
            if (verbose(parsed)) {
                failure.printStackTrace(line.getErr());
            }
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

    /**
     * Runs the chosen command; an {@link Error} it throws (out of memory, a stack overflow, a native library that
     * cannot be loaded) goes to the execution exception handler like any exception, instead of out of
     * {@code main} with a trace.
     */
    private static int runCatchingErrors(ParseResult parsed) {
        try {
            return new CommandLine.RunLast().execute(parsed);
        } catch (Error e) {
            ParseResult last = parsed;
            while (last.subcommand() != null) {
                last = last.subcommand();
            }
            throw new ExecutionException(last.commandSpec().commandLine(), e.toString(), e);
        }
    }

    /** Whether {@code --verbose} was given, to the top command or any subcommand. */
    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
