package io.github.tinyllama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateDetectionTest {

    /**
     * The Chat v1.0 {@code tokenizer_config.json} fields around the template, as Hugging Face writes
     * them: JSON {@code \n} for the template's line breaks, JSON {@code \\n} for its Jinja escapes.
     */
    private static final String ZEPHYR_CONFIG = """
            {
              "bos_token": "<s>",
              "chat_template": "{% for message in messages %}\\n{% if message['role'] == 'user' %}\\n\
            {{ '<|user|>\\\\n' + message['content'] + eos_token }}\\n{% elif message['role'] == 'system' %}\\n\
            {{ '<|system|>\\\\n' + message['content'] + eos_token }}\\n{% elif message['role'] == 'assistant' %}\\n\
            {{ '<|assistant|>\\\\n'  + message['content'] + eos_token }}\\n{% endif %}\\n\
            {% if loop.last and add_generation_prompt %}\\n{{ '<|assistant|>' }}\\n{% endif %}\\n{% endfor %}",
              "clean_up_tokenization_spaces": false,
              "eos_token": "</s>",
              "legacy": false,
              "model_max_length": 2048,
              "pad_token": "</s>",
              "padding_side": "right",
              "sp_model_kwargs": {},
              "tokenizer_class": "LlamaTokenizer",
              "unk_token": "<unk>",
              "use_default_system_prompt": false
            }
            """;

    @TempDir
    Path dir;

    private Optional<ChatTemplate> detect(String json) throws IOException {
        Files.writeString(dir.resolve(SentencePieceConverter.TOKENIZER_CONFIG_JSON), json, StandardCharsets.UTF_8);
        return ChatTemplate.detect(dir);
    }

    private Optional<ChatTemplate> detectTemplate(String template) throws IOException {
        JsonObject config = new JsonObject();
        config.addProperty("chat_template", template);
        return detect(config.toString());
    }

    @Test
    void theChatV1ConfigIsZephyr() throws IOException {
        assertEquals(Optional.of(ChatTemplate.ZEPHYR), detect(ZEPHYR_CONFIG));
        // The file holds exactly the constant: real newlines between the tags, backslash-n in the strings.
        JsonObject parsed = com.google.gson.JsonParser.parseString(ZEPHYR_CONFIG).getAsJsonObject();
        assertEquals(ChatTemplate.ZEPHYR_JINJA, parsed.get("chat_template").getAsString());
        assertTrue(ChatTemplate.ZEPHYR_JINJA.contains("'<|user|>\\n'"));
        assertEquals(11, ChatTemplate.ZEPHYR_JINJA.chars().filter(c -> c == '\n').count());
        // And what it detects renders like the model card.
        String prompt = ChatTemplate.detect(dir).orElseThrow().render(List.of(
                ChatMessage.system("You are a friendly chatbot who always responds in the style of a pirate"),
                ChatMessage.user("How many helicopters can a human eat in one sitting?")), true);
        assertEquals("<|system|>\nYou are a friendly chatbot who always responds in the style of a pirate</s>\n"
                + "<|user|>\nHow many helicopters can a human eat in one sitting?</s>\n<|assistant|>\n", prompt);
    }

    @Test
    void whitespaceDifferencesDoNotMatter() throws IOException {
        assertEquals(Optional.of(ChatTemplate.ZEPHYR), detectTemplate(ChatTemplate.ZEPHYR_JINJA));
        assertEquals(Optional.of(ChatTemplate.ZEPHYR), detectTemplate(ChatTemplate.ZEPHYR_JINJA + "\n"));
        assertEquals(Optional.of(ChatTemplate.ZEPHYR),
                detectTemplate(ChatTemplate.ZEPHYR_JINJA.replace("\n", "\r\n").replace("'\\n'  +", "'\\n' +")));
        assertEquals(Optional.of(ChatTemplate.ZEPHYR),
                detectTemplate("  " + ChatTemplate.ZEPHYR_JINJA.replace(" %}", "  %}").replace("\n", "\n  ")));
    }

    @Test
    void chatml() throws IOException {
        assertEquals(Optional.of(ChatTemplate.CHATML), detectTemplate(ChatTemplate.CHATML_JINJA));
        assertEquals(Optional.of(ChatTemplate.CHATML), detectTemplate(
                "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
                        + ChatTemplate.CHATML_JINJA));
        assertEquals(Optional.of(ChatTemplate.CHATML), ChatTemplate.matchJinja(ChatTemplate.CHATML_JINJA));
    }

    @Test
    void unknownTemplatesAreNotGuessed() throws IOException {
        // Llama-2 chat: a real template, but none of TinyLlama's.
        assertEquals(Optional.empty(), detectTemplate("{% for message in messages %}{% if message['role'] == 'user' %}"
                + "{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}"));
        // Zephyr with the separating newlines removed renders differently, so it is no match.
        assertEquals(Optional.empty(), detectTemplate(ChatTemplate.ZEPHYR_JINJA.replace("}}\n", "}}")));
        assertEquals(Optional.empty(), detectTemplate(ChatTemplate.ZEPHYR_JINJA.replace("<|user|>", "<|human|>")));
        assertEquals(Optional.empty(), detectTemplate(""));
    }

    @Test
    void noTemplateNoFile() throws IOException {
        assertEquals(Optional.empty(), ChatTemplate.detect(dir));
        assertEquals(Optional.empty(), detect("{\"add_bos_token\": true, \"legacy\": false}"));
        assertEquals(Optional.empty(), detect("{\"chat_template\": null}"));
        assertEquals(Optional.empty(), detect("{\"chat_template\": 42}"));
    }

    @Test
    void aListOfNamedTemplatesUsesTheDefault() throws IOException {
        JsonArray list = new JsonArray();
        JsonObject toolUse = new JsonObject();
        toolUse.addProperty("name", "tool_use");
        toolUse.addProperty("template", "{{ 'tools' }}");
        JsonObject standard = new JsonObject();
        standard.addProperty("name", "default");
        standard.addProperty("template", ChatTemplate.CHATML_JINJA);
        list.add(toolUse);
        list.add(standard);
        JsonObject config = new JsonObject();
        config.add("chat_template", list);
        assertEquals(Optional.of(ChatTemplate.CHATML), detect(config.toString()));
    }

    @Test
    void malformedConfigsAreIoErrorsNamingTheFile() throws IOException {
        IOException e = assertThrows(IOException.class, () -> detect("{\"chat_template\": "));
        assertTrue(e.getMessage().contains(SentencePieceConverter.TOKENIZER_CONFIG_JSON), e.getMessage());
        e = assertThrows(IOException.class, () -> detect("[1, 2]"));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
    }

    @Test
    void knownTemplatesExposeTheirJinja() {
        assertEquals(Optional.of(ChatTemplate.ZEPHYR_JINJA), ChatTemplate.ZEPHYR.jinjaTemplate());
        assertEquals(Optional.of(ChatTemplate.CHATML_JINJA), ChatTemplate.CHATML.jinjaTemplate());
        assertEquals(Optional.empty(), ChatTemplate.GUANACO.jinjaTemplate());
        assertEquals(Optional.empty(), ChatTemplate.NONE.jinjaTemplate());
    }
}
