package io.github.tinyllama.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

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

/**
 * Reads data sets laid out as {@code DATA_DIR/<task>/<split>.jsonl}: one JSON object per line, with the
 * field names the data sets are published with on the Hugging Face hub.
 *
 * <p>Blank lines hold no record and are passed over; every other line must be a JSON object, and one that
 * is not is reported with its file and line. Parquet files ({@code <split>.parquet}) are recognised but not
 * read yet: the error says how to convert one to JSON Lines.
 */
public final class DataFiles {

    private DataFiles() {}

    /** The JSON Lines file of a split. */
    public static Path jsonl(Path dataDir, String dataset, String split) {
        return dataDir.resolve(dataset).resolve(split + ".jsonl");
    }

    /**
     * Reads every record of a split.
     *
     * @param dataDir the data directory
     * @param dataset the folder under it ({@code hellaswag}, {@code mmlu}, ...)
     * @param split the split ({@code validation}, {@code test}, {@code dev}, ...)
     * @return the records in file order
     * @throws DataException if the file is missing, is Parquet, or a line is not a JSON object
     * @throws IOException if reading fails
     */
    public static List<Doc> read(Path dataDir, String dataset, String split) throws IOException {
        Path file = jsonl(dataDir, dataset, split);
        if (!Files.isRegularFile(file)) {
            Path parquet = dataDir.resolve(dataset).resolve(split + ".parquet");
            if (Files.isRegularFile(parquet)) {
                throw new DataException(parquet, 0, "Parquet is not supported yet; convert it to JSON Lines with "
                        + "python3 -c \"import pandas as pd; pd.read_parquet('" + parquet + "').to_json('" + file
                        + "', orient='records', lines=True, force_ascii=False)\" (see eval/README.md)");
            }
            throw new DataException(file, 0, "missing data file for " + dataset + "/" + split
                    + " (JSON Lines with the published field names; see eval/README.md for how to obtain it)");
        }
        return read(file);
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
                    throw new DataException(file, number, "not valid JSON: " + firstLine(ex.getMessage()));
                }
                if (!e.isJsonObject()) {
                    throw new DataException(file, number, "expected a JSON object, found " + abbreviate(line));
                }
                docs.add(new Doc(e.getAsJsonObject(), file, number));
            }
        } catch (CharacterCodingException e) {
            throw new DataException(file, number + 1, "not UTF-8 text");
        }
        return docs;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
