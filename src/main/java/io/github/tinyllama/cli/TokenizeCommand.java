package io.github.tinyllama.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.github.tinyllama.tokenizer.LlamaTokenizer;
import io.github.tinyllama.util.FileErrors;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tinyllama tokenize}: text to token ids. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text as a JSON array (one array per line with --file).")
final class TokenizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @ArgGroup(multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--model", paramLabel = "DIR|NAME",
                description = "Model directory (or released checkpoint name) with tokenizer.json or tokenizer.model.")
        String model;

        @Option(names = "--tokenizer", paramLabel = "FILE", description = "A tokenizer.json or SentencePiece tokenizer.model.")
        Path tokenizer;
    }

    @ArgGroup(multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "The text.")
        String text;

        @Option(names = "--file", paramLabel = "FILE", description = "JSON Lines: each line a JSON string.")
        Path file;
    }

    @Option(names = "--revision", paramLabel = "REV",
            description = "Branch, tag or commit of a released checkpoint's repository, with --model NAME. Default: the catalogue's.")
    String revision;

    @Option(names = "--no-bos", description = "Do not add the beginning-of-sequence token.")
    boolean noBos;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Usage.require(spec, revision == null || source.model != null, "--revision goes with --model NAME, not --tokenizer");
        Path dir = source.model != null ? ModelLoading.resolve(source.model, revision, true) : source.tokenizer;
        try (LlamaTokenizer tokenizer = LlamaTokenizer.load(dir)) {
            if (input.text != null) {
                out.println(Json.write(Json.ids(tokenizer.encode(input.text, !noBos))));
                return 0;
            }
            try (BufferedReader reader = Files.newBufferedReader(input.file, StandardCharsets.UTF_8)) {
                int lineNumber = 0;
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lineNumber++;
                    String text = jsonString(line, input.file, lineNumber);
                    out.println(Json.write(Json.ids(tokenizer.encode(text, !noBos))));
                }
            } catch (IOException e) {
                throw FileErrors.named(input.file, e);
            }
        }
        return 0;
    }

    private static String jsonString(String line, Path file, int lineNumber) throws IOException {
        try {
            JsonElement e = JsonParser.parseString(line);
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
                return e.getAsString();
            }
        } catch (JsonParseException e) {
            throw new IOException(file + ":" + lineNumber + ": not a JSON string (" + Failures.oneLine(e) + ")", e);
        }
        throw new IOException(file + ":" + lineNumber + ": expected a JSON string, found " + line);
    }
}
