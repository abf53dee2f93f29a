// Prefill and decode speed of llama.cpp (node-llama-cpp's prebuilt CPU binaries, no compiler) on a GGUF file,
// measured as bench does: random prompt token ids, one warm-up, greedy decoding that ignores end-of-sequence.
//   node bench/llamacpp_bench.mjs MODEL.gguf PROMPT_TOKENS NEW_TOKENS THREADS
// Prints one JSON object. Run from a folder where `npm install node-llama-cpp` was done (NODE_PATH works too).
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [modelPath, promptArg, newArg, threadsArg] = process.argv.slice(2);
if (!modelPath) {
    console.error("usage: llamacpp_bench.mjs MODEL.gguf PROMPT_TOKENS NEW_TOKENS THREADS");
    process.exit(2);
}
const promptTokens = Number(promptArg ?? 128);
const newTokens = Number(newArg ?? 64);
const threads = Number(threadsArg ?? 2);

const llama = await getLlama({gpu: false, build: "never", logLevel: LlamaLogLevel.error});
const loadStart = performance.now();
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const loadSeconds = (performance.now() - loadStart) / 1000;
const context = await model.createContext({contextSize: promptTokens + newTokens + 8, threads,
    batchSize: Math.max(promptTokens, 8)});

// Not Benchmark.run's generator: any ids in [3, vocab) serve for speed.
let seed = 12345;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const vocab = model.fileInfo.metadata.llama.vocab_size;
const prompt = Array.from({length: promptTokens}, () => 3 + Math.floor(random() * (vocab - 3)));

async function run(count) {
    const sequence = context.getSequence();
    const started = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    const prefilled = performance.now();
    let produced = 0;
    let firstAt = prefilled;
    for await (const token of sequence.evaluate([prompt[prompt.length - 1]], {temperature: 0})) {
        produced++;
        if (produced === 1) {
            firstAt = performance.now();
        }
        if (produced >= count) {
            break;
        }
    }
    const finished = performance.now();
    sequence.dispose();
    return {prefillSeconds: (prefilled - started) / 1000, decodeSeconds: (finished - firstAt) / 1000, produced};
}

await run(4);
const r = await run(newTokens);
console.log(JSON.stringify({
    engine: "llama.cpp", model: modelPath, load_seconds: loadSeconds, threads,
    prompt_tokens: promptTokens, new_tokens: r.produced,
    prefill_tokens_per_second: promptTokens / r.prefillSeconds,
    decode_tokens_per_second: (r.produced - 1) / r.decodeSeconds,
}));
await context.dispose();
await model.dispose();
await llama.dispose();
