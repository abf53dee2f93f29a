package io.github.tinyllama.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A MAP, a list of structs, a list of lists and nulls at every level, written by pyarrow, read as pyarrow reads them. */
class PyarrowNestedTest {

    @Test
    void nestedColumnsWrittenByPyarrowReadAsPyarrowReadsThem() throws IOException, URISyntaxException {
        Path dir = Path.of(PyarrowNestedTest.class.getResource("/pyarrow/nested/nested.json").toURI()).getParent();
        JsonObject expected = JsonParser.parseString(Files.readString(dir.resolve("nested.json"))).getAsJsonObject();
        List<JsonElement> rows = new ArrayList<>();
        try (ParquetReader reader = ParquetReader.open(dir.resolve("nested.parquet"))) {
            for (int group = 0; group < reader.rowGroups(); group++) {
                rows.addAll(reader.readRows(group));
            }
        }
        assertEquals(expected.getAsJsonArray("rows").asList(), rows);
    }
}
