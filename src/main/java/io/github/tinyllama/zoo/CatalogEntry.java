package io.github.tinyllama.zoo;

import com.google.gson.JsonObject;

import java.util.List;
import java.util.Locale;

/**
 * One released checkpoint as {@code model-zoo/tinyllama-models.json} describes it.
 *
 * @param artifactId the name users ask for (the HF repository's name part)
 * @param repo the Hugging Face repository id
 * @param revision branch, tag or commit to download
 * @param family base, chat, code or v1.1
 * @param files the files to download when the hub's API cannot say what the repository holds
 * @param optionalFiles files downloaded, in that case, when the repository has them
 * @param trainingTokens pre-training tokens seen, or {@code null} when unknown
 * @param steps pre-training steps, or {@code null}
 * @param chatFormat zephyr, chatml, guanaco or none
 * @param vocabSize the vocabulary size, or {@code null} when unknown
 * @param license the licence id
 * @param description what the checkpoint is
 * @param paper the scores the TinyLlama authors published for it (tables of benchmark to value), or null
 * @param bundled for a model that ships with this project instead of the hub: its directory,
 *     relative to the project's home ({@code null} for hub models)
 */
record CatalogEntry(
        String artifactId,
        String repo,
        String revision,
        String family,
        List<String> files,
        List<String> optionalFiles,
        Double trainingTokens,
        Long steps,
        String chatFormat,
        Integer vocabSize,
        String license,
        String description,
        JsonObject paper,
        String bundled) {

    /** Training tokens as people write them ("105B", "1.5T", "3T"), or "unknown". */
    String tokensLabel() {
        if (trainingTokens == null) {
            return "unknown";
        }
        double t = trainingTokens;
        return t >= 1e12 ? trim(t / 1e12) + "T" : trim(t / 1e9) + "B";
    }

    private static String trim(double value) {
        double rounded = Math.round(value * 100) / 100.0;
        return rounded == Math.rint(rounded) ? String.valueOf((long) rounded) : String.format(Locale.ROOT, "%s", rounded);
    }
}
