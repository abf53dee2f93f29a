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

/** {@code tinyllama models}: the catalogue, and what of it is cached; works offline. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"List the released checkpoints and bundled models: family, training tokens, chat format,",
            "the paper's commonsense average, and whether each is cached (and where). Makes no request."})
final class ModelsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "One JSON array, with the paper's full score tables.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<ReleasedModel> models = ReleasedModel.list(HubClient.fromEnvironment());
        if (json) {
            JsonArray array = new JsonArray();
            models.forEach(m -> array.add(toJson(m)));
            System.out.println(Json.writeWithNulls(array));
            return 0;
        }
        System.out.printf("%-50s %-6s %-8s %-8s %-9s %s%n", "NAME", "FAMILY", "TOKENS", "CHAT", "AVERAGE", "CACHED");
        for (ReleasedModel m : models) {
            System.out.printf("%-50s %-6s %-8s %-8s %-9s %s%n", m.name(), m.family(), m.trainingTokens(),
                    m.chatFormat(), average(m), m.cachedAt() == null ? "no"
                            : String.format(Locale.ROOT, "%.1f MB in %s", m.bytes() / 1e6, m.cachedAt()));
        }
        return 0;
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
        return o;
    }
}
