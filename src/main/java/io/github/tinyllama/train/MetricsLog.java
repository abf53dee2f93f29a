package io.github.tinyllama.train;

import com.google.gson.JsonParser;

import io.github.tinyllama.util.AtomicFiles;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code --metrics} file: one JSON object per optimizer step, flushed as it is written so a
 * killed run keeps every finished step.
 *
 * <p>On resume, lines for steps after the checkpoint (written before the kill, then redone) are
 * dropped first, so the file reads as one uninterrupted run.
 */
public final class MetricsLog implements AutoCloseable {

    private final Path file;
    private final BufferedWriter out;

    private MetricsLog(Path file) throws IOException {
        this.file = file;
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /**
     * Opens the log for a run that has completed {@code completedSteps} steps.
     *
     * @param file the metrics file (created if missing)
     * @param completedSteps steps already done: later lines are dropped (0 starts an empty file)
     * @return the log, appending after step {@code completedSteps}
     */
    public static MetricsLog open(Path file, int completedSteps) throws IOException {
        List<StepMetrics> kept = new ArrayList<>();
        for (StepMetrics m : read(file)) {
            if (m.step() <= completedSteps) {
                kept.add(m);
            }
        }
        StringBuilder text = new StringBuilder();
        kept.forEach(m -> text.append(m.toJson()).append('\n'));
        AtomicFiles.writeString(file, text.toString());
        return new MetricsLog(file);
    }

    /** Every step recorded in a metrics file (none when it does not exist). */
    public static List<StepMetrics> read(Path file) throws IOException {
        List<StepMetrics> all = new ArrayList<>();
        if (!Files.exists(file)) {
            return all;
        }
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                all.add(StepMetrics.fromJson(JsonParser.parseString(line).getAsJsonObject()));
            } catch (RuntimeException e) {
                // A run killed mid-line leaves a partial last line; anything else is damage worth naming.
                if (lineNumber < countLines(file)) {
                    throw new IOException(file + ":" + lineNumber + ": not a metrics record (" + e.getMessage() + ")", e);
                }
            }
        }
        return all;
    }

    private static long countLines(Path file) throws IOException {
        try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.count();
        }
    }

    /** Appends one step. */
    public void write(StepMetrics metrics) throws IOException {
        out.write(metrics.toJson().toString());
        out.write('\n');
        out.flush();
    }

    /** The file written to. */
    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
