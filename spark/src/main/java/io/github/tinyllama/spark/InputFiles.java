package io.github.tinyllama.spark;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The input of a {@code score} or {@code generate} job: a Parquet file (its columns as they are) or a JSON
 * Lines file, one object per line with an optional {@code id} and the job's fields. Each row gets its
 * {@value TinyLlamaSpark#ROW} index, its position in the file; a line that is not such an object fails the job
 * with the file and line ({@link BadRowException}). Blank lines are skipped but keep the numbering.
 */
final class InputFiles {

    /** A field a JSON line may hold: its name and whether it is text or a list of token ids. */
    record Field(String name, boolean ids) implements java.io.Serializable {
        DataType type() {
            return ids ? DataTypes.createArrayType(DataTypes.LongType, false) : DataTypes.StringType;
        }
    }

    private InputFiles() {}

    /** Whether a path names a Parquet input (by its extension), else JSON Lines. */
    static boolean isParquet(String path) {
        return path.toLowerCase(Locale.ROOT).endsWith(".parquet");
    }

    /**
     * Reads an input.
     *
     * @param spark the session
     * @param path the file
     * @param fields the fields a JSON line may hold besides {@code id}
     * @return the rows, with {@value TinyLlamaSpark#ROW}
     */
    static Dataset<Row> read(SparkSession spark, String path, List<Field> fields) {
        if (isParquet(path)) {
            return TinyLlamaSpark.withRowIndex(spark.read().parquet(path));
        }
        StructType schema = new StructType().add("id", DataTypes.StringType, true);
        for (Field f : fields) {
            schema = schema.add(f.name(), f.type(), true);
        }
        schema = schema.add(TinyLlamaSpark.ROW, DataTypes.LongType, false);
        JavaRDD<Row> rows = spark.read().text(path).javaRDD().zipWithIndex()
                .filter(t -> !t._1().getString(0).isBlank())
                .map(t -> parse(t._1().getString(0), t._2(), path, fields));
        return spark.createDataFrame(rows, schema);
    }

    private static Row parse(String line, long row, String source, List<Field> fields) {
        JsonObject o;
        try {
            JsonElement parsed = JsonParser.parseString(line);
            if (!parsed.isJsonObject()) {
                throw new BadRowException(source, row, "each line must be a JSON object");
            }
            o = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new BadRowException(source, row, "not JSON: " + e.getMessage());
        }
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("id", null);
        fields.forEach(f -> values.put(f.name(), null));
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            if (!values.containsKey(e.getKey())) {
                throw new BadRowException(source, row, "unknown field '" + e.getKey() + "' (expected "
                        + String.join(", ", values.keySet()) + ")");
            }
        }
        if (o.has("id") && !o.get("id").isJsonNull()) {
            JsonElement id = o.get("id");
            values.put("id", id.isJsonPrimitive() ? id.getAsString() : id.toString());
        }
        for (Field f : fields) {
            JsonElement v = o.get(f.name());
            if (v != null && !v.isJsonNull()) {
                values.put(f.name(), f.ids() ? ids(v, f.name(), source, row) : text(v, f.name(), source, row));
            }
        }
        List<Object> out = new ArrayList<>(values.values());
        out.add(row);
        return RowFactory.create(out.toArray());
    }

    private static String text(JsonElement v, String name, String source, long row) {
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw new BadRowException(source, row, "'" + name + "' must be a string, not " + v);
        }
        return v.getAsString();
    }

    private static Long[] ids(JsonElement v, String name, String source, long row) {
        if (!v.isJsonArray()) {
            throw new BadRowException(source, row, "'" + name + "' must be an array of token ids, not " + v);
        }
        JsonArray a = v.getAsJsonArray();
        Long[] out = new Long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement e = a.get(i);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw new BadRowException(source, row, "'" + name + "' holds " + e + ", not a token id");
            }
            try {
                out[i] = e.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
            } catch (ArithmeticException notWhole) {
                throw new BadRowException(source, row, "'" + name + "' holds " + e + ", not a token id");
            }
        }
        return out;
    }
}
