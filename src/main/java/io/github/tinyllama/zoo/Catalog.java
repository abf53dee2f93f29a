package io.github.tinyllama.zoo;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The released checkpoints and the models bundled with this project, read once from
 * {@code tinyllama-models.json} (kept in {@code model-zoo/}).
 */
final class Catalog {

    static final String RESOURCE = "/io/github/tinyllama/zoo/tinyllama-models.json";

    private static final Map<String, CatalogEntry> ENTRIES = load();

    private Catalog() {}

    static List<CatalogEntry> entries() {
        return List.copyOf(ENTRIES.values());
    }

    static Optional<CatalogEntry> find(String artifactId) {
        return Optional.ofNullable(ENTRIES.get(artifactId));
    }

    private static Map<String, CatalogEntry> load() {
        try (InputStream in = Catalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the model catalogue " + RESOURCE + " is missing from the classpath");
            }
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                JsonObject root = JsonParser.parseReader(reader).getAsJsonObject();
                Map<String, CatalogEntry> byId = new LinkedHashMap<>();
                for (String section : new String[] {"models", "bundled"}) {
                    if (root.has(section)) {
                        List<CatalogEntry> list = new Gson().fromJson(root.get(section),
                                new TypeToken<List<CatalogEntry>>() {}.getType());
                        list.forEach(e -> byId.put(e.artifactId(), e));
                    }
                }
                return byId;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model catalogue " + RESOURCE, e);
        }
    }
}
