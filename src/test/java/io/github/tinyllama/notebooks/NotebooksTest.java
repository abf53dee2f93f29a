package io.github.tinyllama.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Executes every code cell of every notebook in {@code notebooks/} in order, as the Java kernels
 * would (see {@link NotebookKernel}); a compile error, an exception or a cell over its time limit
 * fails with the notebook, the cell and the message.
 *
 * <p>CI runs each notebook small: the statements in its {@code metadata.tinyllama.ci_parameters}
 * run right after the cell tagged {@code parameters}, as papermill injects parameters.
 *
 * <p>{@code mvn test -Dtest=NotebooksTest -Dnotebooks.write=true} instead runs the notebooks as
 * committed (their own sizes, no injected parameters) and saves each with the outputs of that run
 * (standard output and error, displayed images as PNG, results, execution counts);
 * {@code -Dnotebooks.only=NAME} picks notebooks whose file name contains NAME.
 */
class NotebooksTest {

    static final Path DIR = Path.of("notebooks");
    private static final boolean WRITE = Boolean.getBoolean("notebooks.write");
    /** Generous against a slow shared CI machine, short enough that a hung cell fails the build quickly. */
    private static final Duration CI_CELL_LIMIT = Duration.ofSeconds(Long.getLong("notebooks.cellSeconds", 120));
    /** Notebooks at their full sizes train for minutes. */
    private static final Duration WRITE_CELL_LIMIT = Duration.ofMinutes(30);

    static Stream<Path> notebooks() throws IOException {
        String only = System.getProperty("notebooks.only", "");
        try (Stream<Path> files = Files.list(DIR)) {
            List<Path> list = files.filter(p -> p.toString().endsWith(".ipynb"))
                    .filter(p -> p.getFileName().toString().contains(only))
                    .sorted().toList();
            return list.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notebooks")
    void runsTopToBottom(Path file) throws IOException {
        Notebook notebook = Notebook.read(file);
        assertEquals("java", notebook.kernelName(), notebook.name() + ": kernelspec name (IJava and JJava install as java)");
        List<Notebook.Cell> cells = notebook.codeCells();
        assertFalse(cells.isEmpty(), notebook.name() + " has no code cells");
        if (!WRITE) {
            for (Notebook.Cell cell : cells) {
                assertEquals(cell.number(), cell.savedExecutionCount(), notebook.name() + " cell " + cell.number()
                        + ": not saved from one run top to bottom; save it with -Dnotebooks.write=true");
            }
        }
        String ciParameters = WRITE ? "" : notebook.ciParameters();
        boolean injected = ciParameters.isEmpty();
        // Each notebook gets a fresh kernel JVM in Jupyter; here they share one, so what a notebook sets goes.
        Properties properties = (Properties) System.getProperties().clone();
        try (NotebookKernel kernel = new NotebookKernel(file.toAbsolutePath().getParent(), Project.of(Path.of("")),
                WRITE ? WRITE_CELL_LIMIT : CI_CELL_LIMIT)) {
            long started = System.nanoTime();
            double slowest = 0;
            int slowestCell = 0;
            for (Notebook.Cell cell : cells) {
                long cellStarted = System.nanoTime();
                NotebookKernel.CellRun run = kernel.run(cell.source());
                double seconds = (System.nanoTime() - cellStarted) / 1e9;
                if (seconds > slowest) {
                    slowest = seconds;
                    slowestCell = cell.number();
                }
                check(notebook, "cell " + cell.number(), run);
                cell.setOutputs(run.outputs(), run.executionCount());
                if (!injected && cell.hasTag("parameters")) {
                    check(notebook, "ci_parameters (after cell " + cell.number() + ")", kernel.run(ciParameters));
                    injected = true;
                }
            }
            System.out.println(String.format(Locale.ROOT, "%s: %d code cells in %.1f s (slowest: cell %d, %.1f s)",
                    notebook.name(), cells.size(), (System.nanoTime() - started) / 1e9, slowestCell, slowest));
        } finally {
            System.setProperties(properties);
        }
        if (!injected) {
            fail(notebook.name() + ": has ci_parameters but no cell tagged parameters to run them after");
        }
        if (WRITE) {
            notebook.write();
        }
    }

    private static void check(Notebook notebook, String where, NotebookKernel.CellRun run) {
        if (run.failed()) {
            String printed = Outputs.printedText(run.outputs());
            String tail = printed.length() > 3000 ? "..." + printed.substring(printed.length() - 3000) : printed;
            fail(notebook.name() + " " + where + ": " + run.failure()
                    + (tail.isEmpty() ? "" : "\n--- what the cell printed ---\n" + tail));
        }
    }
}
