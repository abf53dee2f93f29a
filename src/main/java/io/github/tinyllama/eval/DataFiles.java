package io.github.tinyllama.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.github.tinyllama.data.ParquetReader;
import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.FileErrors;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads data sets laid out as {@code DATA_DIR/<task>/<split>.jsonl} or {@code DATA_DIR/<task>/<split>.parquet}, with
 * the field names the data sets are published with on the Hugging Face hub; a missing file can be fetched from the
 * hub into that layout.
 *
 * <p>JSON Lines: one JSON object per line; blank lines hold no record and are passed over, and any other line that
 * is not a JSON object is reported with its file and line. Parquet: every row of every row group, its nested
 * columns (HellaSwag's {@code endings}, ARC's {@code choices.text}) as JSON arrays and objects
 * ({@link ParquetReader#readRows}), so both formats give the same records; a bad field is reported with the file
 * and the row.
 */
public final class DataFiles {

    private DataFiles() {}

    /**
     * Fetches one file of a hub repository, for example through the model zoo's hub client, which caches it.
     */
    @FunctionalInterface
    public interface Fetcher {
        /**
         * @param repo the data set's repository, {@code datasets/owner/name}
         * @param revision a branch or commit
         * @param file the path inside the repository
         * @return the local copy of the file
         * @throws IOException if the file cannot be had (offline and not cached, not found, ...)
         */
        Path fetch(String repo, String revision, String file) throws IOException;
    }

    /**
     * Where the hub publishes a split.
     *
     * @param repo the repository, {@code datasets/owner/name}
     * @param revision the branch
     * @param file the Parquet file inside it
     */
    public record HubFile(String repo, String revision, String file) {}

    /**
     * The hub's files of every split the tasks read, from the data sets lm-evaluation-harness loads today
     * ({@code ../shared/notes/peers.md} section 3: {@code dataset_path}/{@code dataset_name} of each task's YAML,
     * PIQA at {@code baber/piqa} since harness #2790, BoolQ at {@code aps/super_glue} since #3523). Where the
     * repository holds Parquet files of its own, their paths are the ones its {@code main} branch lists (as
     * scripts that fetch them name them: {@code data/validation-00000-of-00001.parquet} for Rowan/hellaswag,
     * {@code <config>/<split>-00000-of-00001.parquet} for ai2_arc, openbookqa, winogrande and cais/mmlu's
     * {@code all} config, whose rows carry their {@code subject}); for PIQA and BoolQ they are the hub's own
     * conversion, branch {@code refs/convert/parquet}, laid out as {@code <config>/<split>/0000.parquet}
     * (the dataset viewer's "List Parquet files" documentation).
     */
    private static final Map<String, HubFile> HUB_FILES = Map.ofEntries(
            Map.entry("hellaswag/validation",
                    new HubFile("datasets/Rowan/hellaswag", "main", "data/validation-00000-of-00001.parquet")),
            Map.entry("openbookqa/test",
                    new HubFile("datasets/allenai/openbookqa", "main", "main/test-00000-of-00001.parquet")),
            Map.entry("winogrande/validation", new HubFile("datasets/allenai/winogrande", "main",
                    "winogrande_xl/validation-00000-of-00001.parquet")),
            Map.entry("arc_easy/test",
                    new HubFile("datasets/allenai/ai2_arc", "main", "ARC-Easy/test-00000-of-00001.parquet")),
            Map.entry("arc_challenge/test",
                    new HubFile("datasets/allenai/ai2_arc", "main", "ARC-Challenge/test-00000-of-00001.parquet")),
            Map.entry("boolq/validation",
                    new HubFile("datasets/aps/super_glue", "refs/convert/parquet", "boolq/validation/0000.parquet")),
            Map.entry("piqa/validation",
                    new HubFile("datasets/baber/piqa", "refs/convert/parquet", "default/validation/0000.parquet")),
            Map.entry("mmlu/dev", new HubFile("datasets/cais/mmlu", "main", "all/dev-00000-of-00001.parquet")),
            Map.entry("mmlu/test", new HubFile("datasets/cais/mmlu", "main", "all/test-00000-of-00001.parquet")));

    /** The hub's file of a split, or {@code null} if none is known. */
    public static HubFile hubFile(String dataset, String split) {
        return HUB_FILES.get(dataset + "/" + split);
    }

    /** The JSON Lines file of a split. */
    public static Path jsonl(Path dataDir, String dataset, String split) {
        return dataDir.resolve(dataset).resolve(split + ".jsonl");
    }

    /** The Parquet file of a split. */
    public static Path parquet(Path dataDir, String dataset, String split) {
        return dataDir.resolve(dataset).resolve(split + ".parquet");
    }

    /** The split's file that is there, JSON Lines first, or {@code null} if neither is. */
    public static Path find(Path dataDir, String dataset, String split) {
        for (Path p : List.of(jsonl(dataDir, dataset, split), parquet(dataDir, dataset, split))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Reads every record of a split that must be in the data directory already.
     *
     * @see #read(Path, String, String, Fetcher)
     */
    public static List<Doc> read(Path dataDir, String dataset, String split) throws IOException {
        return read(dataDir, dataset, split, null);
    }

    /**
     * Reads every record of a split, fetching its Parquet file from the hub into the data directory first when
     * neither file is there and a fetcher is given.
     *
     * @param dataDir the data directory
     * @param dataset the folder under it ({@code hellaswag}, {@code mmlu}, ...)
     * @param split the split ({@code validation}, {@code test}, {@code dev}, ...)
     * @param fetcher fetches hub files; {@code null} to use local files only
     * @return the records in file order
     * @throws DataException if the file is missing (and could not be fetched) or a record is malformed
     * @throws IOException if reading fails
     */
    public static List<Doc> read(Path dataDir, String dataset, String split, Fetcher fetcher) throws IOException {
        Path file = find(dataDir, dataset, split);
        if (file == null) {
            file = download(dataDir, dataset, split, fetcher);
        }
        List<Doc> docs = file.getFileName().toString().endsWith(".parquet") ? readParquet(file) : read(file);
        if (docs.isEmpty()) {
            // Scoring nothing would report an accuracy of 0/0.
            throw new DataException(file, 0, "holds no records");
        }
        return docs;
    }

    private static Path download(Path dataDir, String dataset, String split, Fetcher fetcher) throws IOException {
        Path target = parquet(dataDir, dataset, split);
        HubFile hub = hubFile(dataset, split);
        String missing = "missing data file for " + dataset + "/" + split + ": put " + jsonl(dataDir, dataset, split)
                + " or " + target + " there (the published field names; see eval/README.md)";
        if (hub == null) {
            throw new DataException(target, 0, missing);
        }
        String where = "the hub's " + hub.repo() + " file " + hub.file() + " (revision " + hub.revision() + ")";
        if (fetcher == null) {
            throw new DataException(target, 0, missing + ", or let tinyllama eval download " + where
                    + " (it does unless offline or --no-download)");
        }
        Path fetched;
        try {
            fetched = fetcher.fetch(hub.repo(), hub.revision(), hub.file());
        } catch (IOException e) {
            throw new DataException(target, 0, missing + "; downloading " + where + " failed: " + e.getMessage());
        }
        Files.createDirectories(target.getParent());
        AtomicFiles.copy(fetched, target);
        return target;
    }

    /**
     * Reads a Parquet file: every row of every row group as a record.
     *
     * @param file the file
     * @return its rows in order; a record's {@link Doc#line()} is its 1-based row
     * @throws IOException naming the file, column and row group if the file is not Parquet or a column is of an
     *     unsupported kind
     */
    public static List<Doc> readParquet(Path file) throws IOException {
        List<Doc> docs = new ArrayList<>();
        try (ParquetReader reader = ParquetReader.open(file)) {
            for (int g = 0; g < reader.rowGroups(); g++) {
                for (JsonObject row : reader.readRows(g)) {
                    docs.add(new Doc(row, file, docs.size() + 1));
                }
            }
        }
        return docs;
    }

    /**
     * Reads a JSON Lines file.
     *
     * @param file the file
     * @return its records in order
     * @throws DataException if a line is not a JSON object or the file is not UTF-8
     * @throws IOException if reading fails
     */
    public static List<Doc> read(Path file) throws IOException {
        List<Doc> docs = new ArrayList<>();
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        int number = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            String line;
            while ((line = in.readLine()) != null) {
                number++;
                if (number == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                JsonElement e;
                try {
                    e = JsonParser.parseString(line);
                } catch (JsonParseException ex) {
                    throw new DataException(file, number, FileErrors.jsonReason(file, ex));
                }
                if (!e.isJsonObject()) {
                    throw new DataException(file, number, "expected a JSON object, found " + abbreviate(line));
                }
                docs.add(new Doc(e.getAsJsonObject(), file, number));
            }
        } catch (CharacterCodingException e) {
            throw new DataException(file, number + 1, "not UTF-8 text");
        } catch (DataException e) {
            throw e;
        } catch (IOException e) {
            throw FileErrors.named(file, e);
        }
        return docs;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
