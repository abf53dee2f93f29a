package io.github.tinyllama.cli;

import io.github.tinyllama.tokenizer.SentencePieceConverter;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tinyllama convert-tokenizer}: SentencePiece model to Hugging Face tokenizer files. */
@Command(name = "convert-tokenizer", mixinStandardHelpOptions = true,
        description = "Convert a SentencePiece tokenizer.model into an equivalent tokenizer.json and tokenizer_config.json.")
final class ConvertTokenizerCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "TOKENIZER_MODEL", description = "The SentencePiece model file.")
    Path tokenizerModel;

    @Parameters(index = "1", paramLabel = "OUT_DIR", description = "Directory to write the files into (created if needed).")
    Path outDir;

    @Override
    public Integer call() throws Exception {
        SentencePieceConverter.convert(tokenizerModel, outDir);
        System.err.println("Wrote " + outDir.resolve(SentencePieceConverter.TOKENIZER_JSON) + " and "
                + outDir.resolve(SentencePieceConverter.TOKENIZER_CONFIG_JSON));
        return 0;
    }
}
