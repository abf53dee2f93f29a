package io.github.tinyllama.cli;

import io.github.tinyllama.zoo.HubClient;
import io.github.tinyllama.zoo.ReleasedModel;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tinyllama models}: the catalogue, the size of each download, and what of it is cached; works offline. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"List the released checkpoints and bundled models: family, training tokens, chat format,",
            "the paper's commonsense average, the size of its download on the hub (asked of the hub's API when",
            "online, else as the cache remembers it), and whether each is cached (and where). Downloads nothing."})
final class ModelsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "One JSON array, with the paper's full score tables.")
    boolean json;

    @Option(names = "--revision", paramLabel = "REV",
            description = "Branch, tag or commit to look at in every checkpoint's repository. Default: the catalogue's.")
    String revision;

    @Override
    public Integer call() throws Exception {
        List<ReleasedModel> models = ReleasedModel.list(HubClient.fromEnvironment(), revision);
        if (json) {
            JsonArray array = new JsonArray();
            models.forEach(m -> array.add(toJson(m)));
            System.out.println(Json.writeWithNulls(array));
            return 0;
        }
        String row = "%-50s %-6s %-8s %-8s %-9s %-10s %s%n";
        System.out.printf(row, "NAME", "FAMILY", "TOKENS", "CHAT", "AVERAGE", "HUB SIZE", "CACHED");
        for (ReleasedModel m : models) {
            System.out.printf(row, m.name(), m.family(), m.trainingTokens(), m.chatFormat(), average(m),
                    m.repo() == null ? "-" : m.hubBytes() == null ? "unknown" : megabytes(m.hubBytes()),
                    m.cachedAt() == null ? "no" : megabytes(m.bytes()) + " in " + m.cachedAt());
        }
        return 0;
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    /** The paper's zero-shot commonsense average, the one score every checkpoint has. */
    private static String average(ReleasedModel m) {
        JsonElement avg = m.paper() == null || !m.paper().has("commonsense") ? null
                : m.paper().getAsJsonObject("commonsense").get("average");
        return avg == null ? "-" : avg.getAsString();
    }

    private static JsonObject toJson(ReleasedModel m) {
        JsonObject o = new JsonObject();
        o.addProperty("name", m.name());
        o.addProperty("repo", m.repo());
        o.addProperty("revision", m.revision());
        o.addProperty("family", m.family());
        o.addProperty("training_tokens", m.trainingTokens());
        o.addProperty("chat_format", m.chatFormat());
        o.addProperty("license", m.license());
        o.addProperty("description", m.description());
        o.add("paper", m.paper());
        o.addProperty("cached", m.cachedAt() != null);
        o.addProperty("path", m.cachedAt() == null ? null : m.cachedAt().toString());
        o.addProperty("bytes", m.bytes());
        o.addProperty("hub_bytes", m.hubBytes());
        return o;
    }
}
