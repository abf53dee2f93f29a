package io.github.tinyllama.cli;

import io.github.tinyllama.generate.Chat;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.tokenizer.ChatTemplate;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tinyllama chat}: an interactive conversation on the terminal. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a model: each line you type is a message; replies stream as they are generated."
                + " The conversation is kept (and its KV cache reused) until /exit or end of input.")
final class ChatCommand implements Callable<Integer> {

    @Mixin
    AdaptedModelOptions modelOptions;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message that opens the conversation.")
    String system;

    @Option(names = "--template", paramLabel = "NAME",
            description = "zephyr, chatml, guanaco or none; default: the checkpoint's own (tokenizer_config.json).")
    String template;

    @Mixin
    SamplingOptions sampling;

    @Override
    public Integer call() throws Exception {
        GenerationConfig config = sampling.config(false);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        boolean interactive = System.console() != null;
        try (TinyLlama llm = ModelLoading.load(modelOptions, false);
                Chat chat = Chat.start(llm, chatTemplate(llm), system, config)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (true) {
                if (interactive) {
                    System.err.print("> ");
                    System.err.flush();
                }
                String line = in.readLine();
                if (line == null || line.strip().equals("/exit")) {
                    return 0;
                }
                if (line.isBlank()) {
                    continue;
                }
                int droppedBefore = chat.droppedMessages();
                try {
                    chat.say(line, text -> {
                        out.print(text);
                        out.flush();
                    });
                } catch (IllegalArgumentException e) {
                    // One message that cannot fit ends neither the conversation nor the command.
                    System.err.println("tinyllama chat: error: " + e.getMessage());
                    continue;
                }
                out.println();
                if (chat.droppedMessages() > droppedBefore) {
                    System.err.println("tinyllama chat: note: the conversation filled the model's context ("
                            + llm.config().maxPositions() + " tokens): dropped its oldest "
                            + (chat.droppedMessages() - droppedBefore) + " messages (the system message is kept)");
                }
            }
        }
    }

    private ChatTemplate chatTemplate(TinyLlama llm) throws java.io.IOException {
        if (template != null) {
            return ChatTemplate.named(template);
        }
        Path dir = llm.languageModel().directory();
        return ChatTemplate.detect(dir).orElse(ChatTemplate.NONE);
    }
}
