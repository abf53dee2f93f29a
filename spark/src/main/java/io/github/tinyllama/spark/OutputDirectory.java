package io.github.tinyllama.spark;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.util.Locale;
import java.util.UUID;

/**
 * Writes a job's rows as Parquet or JSON Lines part files into a directory that appears only when the whole
 * job has succeeded: Spark writes into a hidden sibling, which is renamed to the asked name at the end and
 * deleted if anything fails, so a failed job never leaves a directory that looks complete.
 */
final class OutputDirectory {

    private OutputDirectory() {}

    /** The format a directory's name asks for: JSON Lines for {@code .jsonl} or {@code .json}, else Parquet. */
    static String format(String dir, String given) {
        if (given != null) {
            if (!given.equals("parquet") && !given.equals("jsonl")) {
                throw new IllegalArgumentException("--format must be parquet or jsonl, not '" + given + "'");
            }
            return given;
        }
        String lower = dir.toLowerCase(Locale.ROOT);
        return lower.endsWith(".jsonl") || lower.endsWith(".json") ? "jsonl" : "parquet";
    }

    /**
     * Writes rows, ordered by their {@value TinyLlamaSpark#ROW} index.
     *
     * @param rows the job's rows; computed once (kept while they are sorted and written)
     * @param dir the directory to create; it must not exist
     * @param format {@code parquet} or {@code jsonl}
     * @throws IOException if the directory exists or cannot be made
     */
    static void write(Dataset<Row> rows, String dir, String format) throws IOException {
        Path target = new Path(dir);
        FileSystem fs = target.getFileSystem(rows.sparkSession().sparkContext().hadoopConfiguration());
        if (fs.exists(target)) {
            throw new IOException(dir + " already exists; give a new directory (nothing was run)");
        }
        Path parent = target.getParent() == null ? new Path(".") : target.getParent();
        Path temp = new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID());
        // Sorting samples its input first: without persisting, the model would run twice.
        Dataset<Row> kept = rows.persist(StorageLevel.MEMORY_AND_DISK());
        boolean done = false;
        try {
            var writer = kept.orderBy(TinyLlamaSpark.ROW).write();
            switch (format) {
                case "parquet" -> writer.parquet(temp.toString());
                case "jsonl" -> writer.json(temp.toString());
                default -> throw new IllegalArgumentException("unknown output format '" + format
                        + "': use parquet or jsonl");
            }
            if (!fs.rename(temp, target)) {
                throw new IOException("cannot rename " + temp + " to " + dir);
            }
            done = true;
        } finally {
            kept.unpersist();
            if (!done) {
                fs.delete(temp, true);
            }
        }
    }
}
