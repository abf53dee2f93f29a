package io.github.tinyllama.checkpoint;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import io.github.tinyllama.util.FileErrors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code adapter_config.json} of a PEFT LoRA adapter for a causal language model, limited to
 * what plain LoRA needs: a PEFT feature that changes the math (DoRA, rsLoRA, per-module ranks,
 * biases, extra trained modules, ...) is refused on reading, naming the file and the field.
 *
 * @param rank {@code r}
 * @param alpha {@code lora_alpha}; the scale is {@code alpha / r}
 * @param dropout {@code lora_dropout}
 * @param targetModules {@code target_modules}: module names such as {@code q_proj}, or the single
 *     entry {@code all-linear}
 * @param baseModel {@code base_model_name_or_path}, or {@code null}
 */
public record PeftLoraConfig(int rank, double alpha, double dropout, List<String> targetModules, String baseModel) {

    /** The file's name in an adapter directory. */
    public static final String FILE_NAME = "adapter_config.json";
    /** PEFT's {@code target_modules} shorthand for every linear layer but the output head. */
    public static final String ALL_LINEAR = "all-linear";

    /** Freezes the module list. */
    public PeftLoraConfig {
        targetModules = List.copyOf(targetModules);
    }

    /**
     * Reads and checks {@code adapter_config.json}. Missing fields take PEFT's defaults, as PEFT's own
     * loader does ({@code r} 8, {@code lora_alpha} 8, {@code lora_dropout} 0).
     *
     * @param file the file
     * @return the configuration
     * @throws CheckpointFormatException naming the file and field when the file is missing, is not JSON,
     *     is not a LoRA adapter, or uses a feature this reader does not implement
     */
    public static PeftLoraConfig read(Path file) throws CheckpointFormatException {
        JsonObject json;
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!root.isJsonObject()) {
                throw new CheckpointFormatException(file + ": expected a JSON object at the top level");
            }
            json = root.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new CheckpointFormatException(file + ": file not found (not a PEFT adapter directory?)", e);
        } catch (JsonParseException e) {
            throw new CheckpointFormatException(file + ": " + FileErrors.jsonReason(file, e), e);
        } catch (IOException e) {
            throw new CheckpointFormatException(file + ": " + FileErrors.reason(file, e), e);
        }
        Fields f = new Fields(file, json);
        f.requireValue("peft_type", "LORA", "only LoRA adapters are supported");
        f.requireValueOrAbsent("task_type", "CAUSAL_LM", "only causal language model adapters are supported");
        f.refuseTrue("use_dora", "DoRA adapters are not supported");
        f.refuseTrue("use_rslora", "rank-stabilised LoRA (scale alpha/sqrt(r)) is not supported");
        f.refuseTrue("fan_in_fan_out", "transposed (Conv1D-style) weights are not supported");
        f.refuseTrue("lora_bias", "LoRA biases are not supported");
        f.requireValueOrAbsent("bias", "none", "trained biases are not supported");
        for (String field : List.of("modules_to_save", "layers_to_transform", "layer_replication", "exclude_modules",
                "trainable_token_indices", "target_parameters", "rank_pattern", "alpha_pattern")) {
            f.refuseNonEmpty(field);
        }
        f.refuseInitialisation();
        int rank = f.positiveInt("r", 8);
        double alpha = f.positiveNumber("lora_alpha", 8);
        double dropout = f.number("lora_dropout", 0);
        if (!(dropout >= 0 && dropout < 1)) {
            throw f.error("lora_dropout", "is " + dropout + ", outside [0, 1)");
        }
        JsonElement base = json.get("base_model_name_or_path");
        String baseModel = base == null || base.isJsonNull() ? null : base.getAsString();
        return new PeftLoraConfig(rank, alpha, dropout, f.targetModules(), baseModel);
    }

    /**
     * This configuration as PEFT writes it for a LoRA {@code CAUSAL_LM} adapter saved for inference:
     * keys sorted, two-space indentation.
     */
    public String toJson() {
        Map<String, JsonElement> fields = new TreeMap<>();
        fields.put("alpha_pattern", new JsonObject());
        fields.put("auto_mapping", JsonNull.INSTANCE);
        fields.put("base_model_name_or_path", baseModel == null ? JsonNull.INSTANCE : new JsonPrimitive(baseModel));
        fields.put("bias", new JsonPrimitive("none"));
        fields.put("fan_in_fan_out", new JsonPrimitive(false));
        fields.put("inference_mode", new JsonPrimitive(true));
        fields.put("init_lora_weights", new JsonPrimitive(true));
        fields.put("layers_pattern", JsonNull.INSTANCE);
        fields.put("layers_to_transform", JsonNull.INSTANCE);
        fields.put("lora_alpha", number(alpha));
        fields.put("lora_dropout", number(dropout));
        fields.put("modules_to_save", JsonNull.INSTANCE);
        fields.put("peft_type", new JsonPrimitive("LORA"));
        fields.put("r", new JsonPrimitive(rank));
        fields.put("rank_pattern", new JsonObject());
        fields.put("revision", JsonNull.INSTANCE);
        JsonArray targets = new JsonArray();
        targetModules.forEach(targets::add);
        fields.put("target_modules", targets);
        fields.put("task_type", new JsonPrimitive("CAUSAL_LM"));
        fields.put("use_dora", new JsonPrimitive(false));
        fields.put("use_rslora", new JsonPrimitive(false));
        JsonObject json = new JsonObject();
        fields.forEach(json::add);
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(json) + "\n";
    }

    /** Whole numbers as integers ({@code 16}, as Python writes an int), others as the shortest decimal. */
    private static JsonPrimitive number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1 << 30) {
            return new JsonPrimitive((long) value);
        }
        return new JsonPrimitive(value);
    }

    /** Checked access to the fields, with errors that name the file and field. */
    private record Fields(Path file, JsonObject json) {

        CheckpointFormatException error(String field, String problem) {
            return new CheckpointFormatException(file + ": field '" + field + "' " + problem);
        }

        private JsonElement get(String field) {
            JsonElement e = json.get(field);
            return e == null || e.isJsonNull() ? null : e;
        }

        void requireValue(String field, String wanted, String why) throws CheckpointFormatException {
            JsonElement e = get(field);
            if (e == null) {
                throw error(field, "is missing (" + why + ")");
            }
            requireValueOrAbsent(field, wanted, why);
        }

        void requireValueOrAbsent(String field, String wanted, String why) throws CheckpointFormatException {
            JsonElement e = get(field);
            if (e != null && !(e.isJsonPrimitive() && wanted.equals(e.getAsString()))) {
                throw error(field, "is " + e + ", not \"" + wanted + "\"; " + why);
            }
        }

        void refuseTrue(String field, String why) throws CheckpointFormatException {
            JsonElement e = get(field);
            if (e != null && !(e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && !e.getAsBoolean())) {
                throw error(field, "is " + e + "; " + why);
            }
        }

        void refuseNonEmpty(String field) throws CheckpointFormatException {
            JsonElement e = get(field);
            boolean empty = e == null
                    || e.isJsonArray() && e.getAsJsonArray().isEmpty()
                    || e.isJsonObject() && e.getAsJsonObject().isEmpty();
            if (!empty) {
                throw error(field, "is " + e + "; only plain LoRA on every layer's target modules is supported");
            }
        }

        /** PiSSA, OLoRA, LoftQ, CorDA and EVA adapters belong to a base model changed at initialisation. */
        void refuseInitialisation() throws CheckpointFormatException {
            JsonElement e = get("init_lora_weights");
            if (e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()
                    && !"gaussian".equals(e.getAsString())) {
                throw error("init_lora_weights", "is " + e + "; such adapters apply to a base model modified at"
                        + " initialisation (convert them to plain LoRA with PEFT first)");
            }
        }

        int positiveInt(String field, int fallback) throws CheckpointFormatException {
            JsonElement e = get(field);
            if (e == null) {
                return fallback;
            }
            double value = number(field, fallback);
            if (value != Math.rint(value) || value < 1 || value > Integer.MAX_VALUE) {
                throw error(field, "is " + e + ", not a positive integer");
            }
            return (int) value;
        }

        double positiveNumber(String field, double fallback) throws CheckpointFormatException {
            double value = number(field, fallback);
            if (!(value > 0) || Double.isInfinite(value)) {
                throw error(field, "is " + json.get(field) + ", not a positive number");
            }
            return value;
        }

        double number(String field, double fallback) throws CheckpointFormatException {
            JsonElement e = get(field);
            if (e == null) {
                return fallback;
            }
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
                throw error(field, "is " + e + ", not a number");
            }
            return e.getAsDouble();
        }

        /**
         * A list of module names, or one string: PEFT matches a string as a regular expression against
         * whole module paths, so only {@code all-linear} and a bare module name mean something here.
         */
        List<String> targetModules() throws CheckpointFormatException {
            JsonElement e = get("target_modules");
            if (e == null) {
                throw error("target_modules", "is missing");
            }
            List<String> names = new ArrayList<>();
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                String value = e.getAsString();
                if (!value.matches("[A-Za-z0-9_.-]+")) {
                    throw error("target_modules", "is the regular expression " + e
                            + "; list the module names instead (for example [\"q_proj\", \"v_proj\"])");
                }
                names.add(value);
            } else if (e.isJsonArray()) {
                for (JsonElement item : e.getAsJsonArray()) {
                    if (!item.isJsonPrimitive() || !item.getAsJsonPrimitive().isString()) {
                        throw error("target_modules", "holds " + item + ", not a module name");
                    }
                    names.add(item.getAsString());
                }
            } else {
                throw error("target_modules", "is " + e + ", not a list of module names");
            }
            if (names.isEmpty()) {
                throw error("target_modules", "is empty");
            }
            return names;
        }
    }
}
