package io.github.tinyllama.cli;

import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.serve.OpenAiServer;
import io.github.tinyllama.tokenizer.ChatTemplate;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code tinyllama serve}: an OpenAI-compatible HTTP server with continuous batching and a chat page. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over HTTP with OpenAI's API (/v1/models, /v1/completions, /v1/chat/completions,"
                + " streaming or not), /health, /metrics and a chat page at /. Runs until interrupted. For many"
                + " concurrent streams on a CPU, --dtype int8 decodes about twice as fast as 16-bit weights"
                + " (docs/serving.md, \"Speed\").")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    AdaptedModelOptions modelOptions;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to bind. Default: ${DEFAULT-VALUE} (this machine only); 0.0.0.0 for every interface.")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "8",
            description = "Most sequences decoded together. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "64",
            description = "Most requests waiting for a batch row; more get 429. Default: ${DEFAULT-VALUE}.")
    int maxQueue;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on /v1 and /metrics. Default: TINYLLAMA_API_KEY if set.")
    String apiKey = System.getenv("TINYLLAMA_API_KEY");

    @Option(names = "--served-name", paramLabel = "NAME",
            description = "Model name shown to clients. Default: the model directory's name.")
    String servedName;

    @Option(names = "--template", paramLabel = "NAME",
            description = "Chat template: zephyr, chatml, guanaco or none; default: the checkpoint's own (as chat).")
    String template;

    @Override
    public Integer call() throws Exception {
        if (maxBatch < 1 || maxQueue < 0 || port < 0 || port > 65535) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--max-batch must be at least 1, --max-queue at least 0 and --port 0..65535");
        }
        try (TinyLlama llm = ModelLoading.load(modelOptions, false)) {
            ChatTemplate chatTemplate = template != null ? ChatTemplate.named(template)
                    : ChatTemplate.detect(llm.languageModel().directory()).orElse(ChatTemplate.NONE);
            OpenAiServer.Builder builder = OpenAiServer.builder(llm).optHost(host).optPort(port).optMaxBatch(maxBatch)
                    .optMaxQueue(maxQueue).optApiKey(apiKey).optTemplate(chatTemplate);
            if (servedName != null) {
                builder.optServedName(servedName);
            }
            try (OpenAiServer server = builder.start()) {
                CountDownLatch stopped = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    server.close();
                    stopped.countDown();
                }));
                System.err.println("Serving " + modelOptions.model + " at " + server.baseUri() + " (chat page: http://"
                        + host + ":" + server.port() + "/); Ctrl-C stops.");
                stopped.await();
            }
        }
        return 0;
    }
}
