package io.github.tinyllama.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.data.ChatRecord;
import io.github.tinyllama.generate.FinishReason;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.nn.LoraSettings;
import io.github.tinyllama.nn.LoraTarget;
import io.github.tinyllama.testing.ChatData;
import io.github.tinyllama.tokenizer.ChatMessage;
import io.github.tinyllama.tokenizer.ChatTemplate;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Proof that fine-tuning works: the nano model, which has never seen a chat, is taught a reply style
 * ({@code Beep boop! The X is wonderful. Beep!}) from 96 Zephyr-format conversations and must then
 * answer held-out questions about other things in that style, ending with EOS; the held-out loss on
 * replies must fall well below where it started. Both full fine-tuning and LoRA (all projections).
 */
class FinetuneNanoTest {

    private static final Path NANO = Path.of("model-zoo", "nano");
    private static final Path TRAIN = ChatData.TRAIN;
    private static final Path EVAL = ChatData.EVAL;

    private static final Pattern STYLE = Pattern.compile("Beep boop! The \\w+ is wonderful\\. Beep!");
    private static final int EPOCHS = 3;

    @TempDir
    Path out;

    @ParameterizedTest(name = "lora={0}")
    @ValueSource(booleans = {false, true})
    void teachesTheReplyStyleAndLowersHeldOutLoss(boolean lora) throws IOException {
        FinetuneSettings settings = new FinetuneSettings(EPOCHS, lora ? 5e-3 : 1e-3, false, 0.05, 16, 16, 128, 0, 0.9,
                0.999, 1.0, 42, 0, false);
        Finetuner.Builder builder = Finetuner.builder(NANO, TRAIN).optEvalData(EVAL).optTemplate(ChatTemplate.ZEPHYR)
                .optSettings(settings).setOutDir(out);
        if (lora) {
            builder.optLora(new LoraSettings(8, 16, 0, EnumSet.allOf(LoraTarget.class)));
        }
        // Greedy replies to half the held-out questions (decoding is the slow part on two cores).
        List<ChatRecord> heldOut = ChatRecord.readAll(EVAL).subList(0, 5);
        try (Finetuner finetuner = builder.build()) {
            double before = finetuner.evaluate();
            long started = System.nanoTime();
            while (finetuner.completedSteps() < finetuner.totalSteps()) {
                finetuner.step();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            double after = finetuner.evaluate();
            List<String> trained = replies(finetuner.chatModel(), heldOut);
            System.out.printf("lora=%s: held-out loss %.3f -> %.3f in %d steps, %.1f s%n", lora, before, after,
                    finetuner.totalSteps(), seconds);
            // The nano model starts far from the style (several nats per reply token); a third of that is
            // only reachable by learning the fixed words and copying the noun.
            assertTrue(after < before / 3, "held-out loss " + before + " -> " + after);
            // The style is the pattern; the 5M model does not always copy an unseen noun letter for letter
            // ("The woard" for "the wizard"), so the noun is any word.
            for (int i = 0; i < heldOut.size(); i++) {
                assertTrue(STYLE.matcher(trained.get(i)).matches(),
                        "reply to '" + heldOut.get(i).messages().get(0).content() + "': " + trained.get(i));
            }
        }
    }


    /** Greedy replies to each record's question, rendered as inference renders it; each must end with EOS. */
    private static List<String> replies(TinyLlama llm, List<ChatRecord> records) {
        List<String> replies = new ArrayList<>();
        for (ChatRecord record : records) {
            ChatMessage question = record.messages().get(0);
            long[] prompt = llm.tokenizer().encode(ChatTemplate.ZEPHYR.render(List.of(question), true));
            GenerationResult result = llm.generate(prompt, GenerationConfig.greedy(20), text -> {});
            replies.add(result.finishReason() == FinishReason.EOS ? result.text() : result.text() + " [no EOS]");
        }
        return replies;
    }
}
