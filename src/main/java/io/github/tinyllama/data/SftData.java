package io.github.tinyllama.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fine-tuning data set: every example of a JSON Lines file, encoded. Nothing is dropped: an example
 * longer than the maximum length is cut and counted in {@link #truncated()}.
 *
 * @param examples the encoded examples, in file order
 * @param truncated how many were cut to the maximum length
 * @param trainedTokens target tokens the loss counts, over all examples
 */
public record SftData(List<SftExample> examples, int truncated, long trainedTokens) {

    /**
     * Reads and encodes a file.
     *
     * @param file JSON Lines, as {@link ChatRecord} describes
     * @param encoder renders and tokenises each example
     * @return the data set
     * @throws IOException if the file cannot be read, or a record is malformed (naming file and line)
     */
    public static SftData read(Path file, SftEncoder encoder) throws IOException {
        return of(ChatRecord.readAll(file), encoder);
    }

    /**
     * Encodes examples already in memory.
     *
     * @param records the examples
     * @param encoder renders and tokenises each example
     * @return the data set
     * @throws MalformedDocumentException naming the file and line of a record whose rendering does not
     *     tokenise as inference would see it
     */
    public static SftData of(List<ChatRecord> records, SftEncoder encoder) throws MalformedDocumentException {
        List<SftExample> examples = new ArrayList<>(records.size());
        int truncated = 0;
        long tokens = 0;
        for (ChatRecord record : records) {
            SftExample example;
            try {
                example = encoder.encode(record);
            } catch (IllegalArgumentException e) {
                throw new MalformedDocumentException(record.file(), record.line(), e.getMessage());
            }
            examples.add(example);
            truncated += example.truncated() ? 1 : 0;
            tokens += example.trainedTokens();
        }
        return new SftData(List.copyOf(examples), truncated, tokens);
    }

    /** Number of examples. */
    public int size() {
        return examples.size();
    }
}
