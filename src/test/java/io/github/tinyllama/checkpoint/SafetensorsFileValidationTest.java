package io.github.tinyllama.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each malformed input must give a {@link CheckpointFormatException} naming the file and the problem. */
class SafetensorsFileValidationTest {
    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("model.safetensors");
    }

    /** Opens the file expecting failure; checks the message names the file and every given fragment. */
    private void assertRejected(Path file, String... fragments) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafetensorsFile.open(file).close());
        assertTrue(e.getMessage().contains(file.toString()), () -> "names the file: " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), () -> "mentions \"" + f + "\": " + e.getMessage());
        }
    }

    private static String tensor(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7})
    void fileShorterThanLengthPrefix(int size) throws IOException {
        Files.write(file(), new byte[size]);
        assertRejected(file(), "shorter than the 8-byte");
    }

    @Test
    void headerLengthBeyondEndOfFile() throws IOException {
        RawFiles.write(file(), 1000, "{}".getBytes(), 0);
        assertRejected(file(), "header length 1000", "past the end");
    }

    @ParameterizedTest
    @ValueSource(longs = {100_000_001L, 1L << 40, -1L})
    void headerLengthAbsurd(long declared) throws IOException {
        RawFiles.write(file(), declared, "{}".getBytes(), 0);
        assertRejected(file(), Long.toUnsignedString(declared), "exceeds the limit");
    }

    @Test
    void headerNotUtf8() throws IOException {
        RawFiles.write(file(), 4, new byte[] {'{', (byte) 0xC3, 0x28, '}'}, 0);
        assertRejected(file(), "not valid UTF-8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":", "{not json}", "", "{\"a\":{\"dtype\":\"F32\",}}", "{} {}", "{}x"})
    void headerNotJson(String header) throws IOException {
        RawFiles.write(file(), header, 0);
        assertRejected(file(), "header");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "\"text\"", "42", "null"})
    void headerNotAnObject(String header) throws IOException {
        RawFiles.write(file(), header, 0);
        assertRejected(file(), "not a JSON object");
    }

    @Test
    void duplicateTensorName() throws IOException {
        RawFiles.write(file(), "{" + tensor("w", "F32", "[1]", "[0,4]") + "," + tensor("w", "F32", "[1]", "[4,8]")
                + "}", 8);
        assertRejected(file(), "duplicate key \"w\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dtype", "shape", "data_offsets"})
    void entryMissingField(String missing) throws IOException {
        String dtype = missing.equals("dtype") ? "" : "\"dtype\":\"F32\",";
        String shape = missing.equals("shape") ? "" : "\"shape\":[1],";
        String offsets = missing.equals("data_offsets") ? "" : "\"data_offsets\":[0,4],";
        String entry = (dtype + shape + offsets).replaceAll(",$", "");
        RawFiles.write(file(), "{\"w\":{" + entry + "}}", 4);
        assertRejected(file(), "tensor \"w\"", "lacks " + missing);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"w\":[]}",
        "{\"w\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",\"4\"]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
    })
    void entryFieldWithWrongType(String header) throws IOException {
        RawFiles.write(file(), header, 4);
        assertRejected(file(), "tensor \"w\"");
    }

    @Test
    void negativeDimension() throws IOException {
        RawFiles.write(file(), "{" + tensor("w", "F32", "[2,-1]", "[0,4]") + "}", 4);
        assertRejected(file(), "tensor \"w\"", "negative dimension -1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"I64", "F8_E4M3", "Q4", "f32", "F64"})
    void unsupportedDtype(String dtype) throws IOException {
        RawFiles.write(file(), "{" + tensor("w", dtype, "[1]", "[0,8]") + "}", 8);
        assertRejected(file(), "tensor \"w\"", "unsupported dtype \"" + dtype + "\"");
    }

    @Test
    void offsetsOutsideDataSection() throws IOException {
        RawFiles.write(file(), "{" + tensor("w", "F32", "[2]", "[4,12]") + "}", 8);
        assertRejected(file(), "tensor \"w\"", "outside the 8-byte data section");
    }

    @Test
    void offsetsEndBeforeBegin() throws IOException {
        RawFiles.write(file(), "{" + tensor("w", "F32", "[1]", "[8,4]") + "}", 8);
        assertRejected(file(), "tensor \"w\"", "end before they begin");
    }

    @Test
    void negativeOffset() throws IOException {
        RawFiles.write(file(), "{" + tensor("w", "F32", "[1]", "[-4,0]") + "}", 8);
        assertRejected(file(), "tensor \"w\"", "negative");
    }

    @Test
    void overlappingTensors() throws IOException {
        RawFiles.write(file(), "{" + tensor("a", "F32", "[2]", "[0,8]") + "," + tensor("b", "F32", "[2]", "[4,12]")
                + "}", 12);
        assertRejected(file(), "\"a\" and \"b\" overlap");
    }

    @Test
    void byteLengthDisagreesWithShape() throws IOException {
        RawFiles.write(file(), "{" + tensor("w", "BF16", "[3]", "[0,8]") + "}", 8);
        assertRejected(file(), "tensor \"w\"", "span 8 bytes", "needs 6");
    }

    @Test
    void elementCountOverflows() throws IOException {
        RawFiles.write(file(), "{" + tensor("w", "F32", "[4294967296,4294967296]", "[0,4]") + "}", 4);
        assertRejected(file(), "tensor \"w\"", "overflows");
    }

    @Test
    void byteCountOverflows() throws IOException {
        RawFiles.write(file(), "{" + tensor("w", "F32", "[4611686018427387904]", "[0,4]") + "}", 4);
        assertRejected(file(), "tensor \"w\"", "overflows");
    }

    @Test
    void metadataValueNotString() throws IOException {
        RawFiles.write(file(), "{\"__metadata__\":{\"total_size\":12}}", 0);
        assertRejected(file(), "__metadata__", "must be a string");
    }

    @Test
    void metadataAndGapsAndEmptyTensorsAreAccepted() throws IOException {
        // Gaps between tensors (alignment padding some writers add) and unknown entry fields are tolerated.
        RawFiles.write(file(), "{\"__metadata__\":{\"format\":\"pt\"}," + tensor("a", "F16", "[2]", "[0,4]") + ","
                + tensor("empty", "F32", "[0,5]", "[4,4]") + ","
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[8,10],\"extra\":[1,{}]}}", 12);
        try (SafetensorsFile st = SafetensorsFile.open(file())) {
            assertEquals(Map.of("format", "pt"), st.metadata());
            assertEquals(List.of("a", "empty", "b"), List.copyOf(st.tensors().keySet()));
            TensorInfo b = st.tensors().get("b");
            assertEquals(1, b.numel());
            long dataStart = Files.size(file()) - 12;
            assertEquals(dataStart + 8, b.offset());
            assertEquals(0x0908, st.raw("b").getShort(0) & 0xFFFF, "little-endian view of bytes 8, 9");
            assertEquals(0, st.raw("empty").remaining());
            assertThrows(IllegalArgumentException.class, () -> st.raw("nope"));
        }
    }

    @Test
    void emptyHeaderIsAValidFileWithNoTensors() throws IOException {
        RawFiles.write(file(), "{}      ", 0);
        try (SafetensorsFile st = SafetensorsFile.open(file())) {
            assertTrue(st.tensors().isEmpty());
        }
    }
}
