package io.github.tinyllama.notebooks;

import com.google.gson.JsonArray;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

/**
 * Runs notebook cells the way the IJava and JJava kernels do: through JShell, in this JVM (JJava's
 * execution control runs code in the kernel's own JVM too), with JJava's start-up imports and
 * statics ({@link NotebookStatics}), its line magics and its rendering of a cell's last value.
 *
 * <p>Magics: {@code %maven} of the project's own coordinates adds the local build and its runtime
 * dependencies; of a dependency's coordinates, that jar; {@code %classpath} and {@code %jars} add
 * files (globs in the last path element) relative to the notebook's folder, where Jupyter starts
 * the kernel. Anything else, and a coordinate or glob that resolves to nothing, fails the cell.
 */
final class NotebookKernel implements AutoCloseable {

    /** JJava's {@code NotebookInitializer} start-up script, with our stand-in for its statics. */
    private static final String STARTUP = String.join("\n",
            "import java.util.*;", "import java.io.*;", "import java.math.*;", "import java.net.*;",
            "import java.time.*;", "import java.util.concurrent.*;", "import java.util.prefs.*;",
            "import java.util.regex.*;", "import static " + NotebookStatics.class.getName() + ".*;");

    /**
     * How a cell ended.
     *
     * @param outputs its outputs in nbformat shape
     * @param executionCount the count Jupyter would show beside it
     * @param failure what went wrong, or {@code null}
     */
    record CellRun(JsonArray outputs, int executionCount, String failure) {
        boolean failed() {
            return failure != null;
        }
    }

    /** The first compilation loads javac; a slow machine may take seconds. */
    private static final Duration STARTUP_LIMIT = Duration.ofSeconds(120);

    private final JShell shell;
    private final Path notebookDir;
    private final Project project;
    private final Duration cellLimit;
    private final Path staticsDir;
    private final ExecutorService evaluator = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "notebook-kernel");
        t.setDaemon(true);
        return t;
    });
    private int executionCount;
    private Duration runningLimit;

    /**
     * Starts a kernel.
     *
     * @param notebookDir the notebook's folder, against which magics resolve relative paths
     * @param project what {@code %maven} resolves the project's coordinates to
     * @param cellLimit the longest a cell may run
     */
    NotebookKernel(Path notebookDir, Project project, Duration cellLimit) throws IOException {
        this.notebookDir = notebookDir;
        this.project = project;
        this.cellLimit = cellLimit;
        this.staticsDir = Files.createTempDirectory("notebook-statics");
        // Notebook code compiles against the kernel's statics only, never against the test classes.
        for (Class<?> c : List.of(NotebookStatics.class, CellValue.class)) {
            Path file = staticsDir.resolve(c.getName().replace('.', '/') + ".class");
            Files.createDirectories(file.getParent());
            try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
                Files.copy(in, file);
            }
        }
        shell = newShell(staticsDir);
        CellRun startup = run(STARTUP, STARTUP_LIMIT);
        executionCount = 0;
        if (startup.failed()) {
            close();
            throw new IllegalStateException("the kernel's start-up imports failed: " + startup.failure());
        }
    }

    /**
     * JShell compiles against {@code java.class.path} as it finds it when built; here that is the test
     * runner's class path, so it is swapped for the statics folder while JShell is built.
     */
    private static JShell newShell(Path classpath) {
        String hostClasspath = System.getProperty("java.class.path");
        System.setProperty("java.class.path", classpath.toString());
        try {
            JShell shell = JShell.builder().executionEngine("local").build();
            // Sets the compiler's class path explicitly, before its default is read from the property.
            shell.addToClasspath(classpath.toString());
            return shell;
        } finally {
            System.setProperty("java.class.path", hostClasspath);
        }
    }

    /** Runs one cell's source: line magics and Java code in order, stopping at the first failure. */
    CellRun run(String source) {
        return run(source, cellLimit);
    }

    private CellRun run(String source, Duration limit) {
        int count = ++executionCount;
        Outputs outputs = new Outputs();
        long deadline = System.nanoTime() + limit.toNanos();
        runningLimit = limit;
        PrintStream out = System.out;
        PrintStream err = System.err;
        System.setOut(new PrintStream(outputs.stdout(), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(outputs.stderr(), true, StandardCharsets.UTF_8));
        NotebookStatics.attach(outputs::display);
        String failure;
        try {
            failure = runSource(source, outputs, count, deadline);
        } finally {
            NotebookStatics.attach(null);
            System.out.flush();
            System.err.flush();
            System.setOut(out);
            System.setErr(err);
        }
        if (failure != null) {
            int newline = failure.indexOf('\n');
            outputs.error("CellFailure", newline < 0 ? failure : failure.substring(0, newline));
        }
        return new CellRun(outputs.toJson(), count, failure);
    }

    private String runSource(String source, Outputs outputs, int count, long deadline) {
        String[] lines = source.split("\n", -1);
        if (lines.length > 0 && lines[0].strip().startsWith("%%")) {
            return "line 1: unknown cell magic " + lines[0].strip().split("\\s+")[0];
        }
        StringBuilder code = new StringBuilder();
        int codeStart = 1;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.strip().startsWith("%")) {
                String failure = runCode(code.toString(), codeStart, outputs, count, deadline, false);
                if (failure != null) {
                    return failure;
                }
                failure = magic(line.strip(), i + 1);
                if (failure != null) {
                    return failure;
                }
                code.setLength(0);
                codeStart = i + 2;
            } else {
                code.append(line).append('\n');
            }
        }
        return runCode(code.toString(), codeStart, outputs, count, deadline, true);
    }

    /** Evaluates code snippet by snippet; the last one's value becomes the cell's result when {@code last}. */
    private String runCode(String code, int firstLine, Outputs outputs, int count, long deadline, boolean last) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String remaining = code;
        SnippetEvent lastEvent = null;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            int line = firstLine + newlines(code, code.length() - remaining.length() + leadingSpace(remaining));
            if (info.completeness() == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE
                    || info.completeness() == SourceCodeAnalysis.Completeness.CONSIDERED_INCOMPLETE) {
                return "line " + line + ": incomplete code: " + firstLineOf(remaining.strip());
            }
            String snippet = info.source();
            remaining = info.remaining();
            List<SnippetEvent> events;
            try {
                events = evaluate(snippet, deadline);
            } catch (TimeoutException e) {
                return String.format(Locale.ROOT, "line %d: over the cell's time limit of %d s; stopped", line,
                        runningLimit.toSeconds());
            }
            for (SnippetEvent event : events) {
                if (event.causeSnippet() != null) {
                    continue;
                }
                String failure = failure(event, snippet, line);
                if (failure != null) {
                    return failure;
                }
                lastEvent = event;
            }
        }
        if (last && lastEvent != null) {
            return showValue(lastEvent, outputs, count, deadline);
        }
        return null;
    }

    private List<SnippetEvent> evaluate(String snippet, long deadline) throws TimeoutException {
        Future<List<SnippetEvent>> events = evaluator.submit(() -> shell.eval(snippet));
        try {
            return events.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            shell.stop();
            try {
                events.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException | ExecutionException | TimeoutException ignored) {
                // The cell has already failed; a snippet that will not stop is left to the daemon thread.
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a cell ran", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("JShell failed: " + e.getCause(), e.getCause());
        }
    }

    /** A compile error with JShell's diagnostics, an exception with its stack, or {@code null}. */
    private String failure(SnippetEvent event, String snippet, int line) {
        JShellException exception = event.exception();
        if (exception != null) {
            return "line " + line + ": " + describe(exception);
        }
        Snippet.Status status = event.status();
        if (status == Snippet.Status.REJECTED) {
            StringBuilder s = new StringBuilder();
            shell.diagnostics(event.snippet()).forEach(d -> s.append(s.length() == 0 ? "" : "; ")
                    .append("line ").append(line + newlines(snippet, (int) d.getStartPosition()))
                    .append(": ").append(d.getMessage(Locale.ROOT)));
            return "compile error: " + (s.length() == 0 ? firstLineOf(snippet) : s);
        }
        return null;
    }

    private static String describe(JShellException exception) {
        if (exception instanceof UnresolvedReferenceException) {
            UnresolvedReferenceException u = (UnresolvedReferenceException) exception;
            return "uses " + u.getSnippet() + ", which is not defined";
        }
        StringBuilder s = new StringBuilder();
        Throwable t = exception;
        while (t != null) {
            String name = t instanceof EvalException ? ((EvalException) t).getExceptionClassName() : t.getClass().getName();
            s.append(s.length() == 0 ? "" : "\ncaused by: ").append(name).append(": ").append(t.getMessage());
            Arrays.stream(t.getStackTrace()).limit(8).forEach(f -> s.append("\n    at ").append(f));
            t = t.getCause();
        }
        return s.toString();
    }

    /** JJava shows the value of a cell's last expression; JShell names it, so a hidden snippet hands it over. */
    private String showValue(SnippetEvent event, Outputs outputs, int count, long deadline) {
        Snippet snippet = event.snippet();
        Snippet.SubKind kind = snippet.subKind();
        if (event.value() == null || !(kind == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
                || kind == Snippet.SubKind.VAR_VALUE_SUBKIND || kind == Snippet.SubKind.OTHER_EXPRESSION_SUBKIND)) {
            return null;
        }
        String name = snippet instanceof VarSnippet ? ((VarSnippet) snippet).name()
                : snippet instanceof ExpressionSnippet ? ((ExpressionSnippet) snippet).name() : null;
        if (name == null || kind == Snippet.SubKind.OTHER_EXPRESSION_SUBKIND) {
            outputs.result(NotebookStatics.render(event.value()), count);
            return null;
        }
        try {
            for (SnippetEvent e : evaluate(CellValue.class.getName() + ".keep(" + name + ");", deadline)) {
                if (e.exception() != null || e.status() == Snippet.Status.REJECTED) {
                    return "cannot show the cell's value: " + e.exception() + " " + e.status();
                }
            }
        } catch (TimeoutException e) {
            return "over the cell's time limit while showing its value";
        }
        Object value = CellValue.take();
        if (value != null) {
            outputs.result(NotebookStatics.render(value), count);
        }
        return null;
    }

    /** Runs a line magic; returns a failure or {@code null}. */
    private String magic(String line, int number) {
        String[] words = line.substring(1).strip().split("\\s+");
        String name = words[0];
        List<String> args = Arrays.asList(words).subList(1, words.length);
        try {
            switch (name) {
                case "maven":
                    for (String coordinates : args) {
                        maven(coordinates);
                    }
                    return null;
                case "classpath":
                case "jars":
                    for (String glob : args) {
                        List<Path> files = glob(glob);
                        if (files.isEmpty()) {
                            return "line " + number + ": %" + name + " " + glob + " matches no file under " + notebookDir;
                        }
                        files.forEach(f -> shell.addToClasspath(f.toAbsolutePath().toString()));
                    }
                    return null;
                default:
                    return "line " + number + ": unknown magic %" + name
                            + " (this runner knows %maven, %classpath and %jars)";
            }
        } catch (IllegalArgumentException | IOException e) {
            return "line " + number + ": " + line + ": " + e.getMessage();
        }
    }

    private void maven(String coordinates) {
        String[] parts = coordinates.split(":");
        if (parts.length != 3 && parts.length != 5) {
            throw new IllegalArgumentException("coordinates must be group:artifact:version or"
                    + " group:artifact:extension:classifier:version, found " + coordinates);
        }
        String group = parts[0];
        String artifact = parts[1];
        String version = parts[parts.length - 1];
        if (group.equals(project.groupId()) && artifact.equals(project.artifactId())) {
            if (!version.equals(project.version())) {
                throw new IllegalArgumentException("the notebook asks for version " + version + " but the project is "
                        + project.version());
            }
            project.classpath().forEach(p -> shell.addToClasspath(p.toString()));
            return;
        }
        Path jar = project.dependency(group, artifact, version, parts.length == 5 ? parts[3] : "")
                .orElseThrow(() -> new IllegalArgumentException("not the project (" + project.coordinates()
                        + ") nor one of its runtime dependencies; CI resolves nothing else, offline"));
        shell.addToClasspath(jar.toString());
    }

    /** Files matching a path whose last element may hold {@code *} and {@code ?}, relative to the notebook. */
    private List<Path> glob(String glob) throws IOException {
        Path path = notebookDir.resolve(glob);
        Path dir = path.getParent();
        String pattern = path.getFileName().toString();
        List<Path> files = new ArrayList<>();
        if (!pattern.contains("*") && !pattern.contains("?")) {
            if (Files.exists(path)) {
                files.add(path);
            }
            return files;
        }
        if (dir == null || !Files.isDirectory(dir)) {
            return files;
        }
        try (DirectoryStream<Path> matches = Files.newDirectoryStream(dir, pattern)) {
            matches.forEach(files::add);
        }
        files.sort(null);
        return files;
    }

    private static int leadingSpace(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int newlines(String s, int end) {
        int n = 0;
        for (int i = 0; i < Math.min(end, s.length()); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    private static String firstLineOf(String s) {
        int newline = s.indexOf('\n');
        return newline < 0 ? s : s.substring(0, newline) + " ...";
    }

    @Override
    public void close() {
        shell.close();
        evaluator.shutdownNow();
        try (var files = Files.walk(staticsDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary folder left behind is harmless.
        }
    }
}
