package io.github.tinyllama.zoo;

import io.github.tinyllama.generate.GenerationConfig;

import java.util.function.Consumer;

/**
 * One text-generation call through a DJL {@code Predictor}, with settings that override the
 * model's defaults for this call only.
 *
 * @param prompt the prompt text (BOS is added)
 * @param config budget, sampling and stop rules; {@code null} for the model's defaults
 * @param onText receives the text as it is produced; {@code null} to not stream
 */
public record GenerationRequest(String prompt, GenerationConfig config, Consumer<String> onText) {

    /** A request with the model's default settings and no streaming. */
    public static GenerationRequest of(String prompt) {
        return new GenerationRequest(prompt, null, null);
    }
}
