package io.github.tinyllama.zoo;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.SideFiles;
import io.github.tinyllama.config.LlamaConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Chooses what a model needs from the files a repository holds: the weights in the first form found
 * of safetensors, sharded safetensors, {@code pytorch_model.bin} and sharded {@code .bin}; the
 * config; {@code tokenizer.json}, else {@code tokenizer.model} (converted by our converter when
 * loaded); and the generation config, tokenizer config and special tokens map when present.
 *
 * @param files the files to download first, in order
 * @param index the shard index among them whose shards must follow, or null for unsharded weights
 */
record ModelFiles(List<String> files, String index) {

    private static final List<String> WEIGHTS = List.of(Checkpoint.SINGLE_FILE, Checkpoint.INDEX_FILE,
            Checkpoint.TORCH_FILE, Checkpoint.TORCH_INDEX_FILE);

    /**
     * Chooses from a listing.
     *
     * @throws HubException ({@code NOT_FOUND}) if the repository has no config or no weights in a
     *     form we read; the message lists what it has
     */
    static ModelFiles choose(String repo, RepoListing listing) throws HubException {
        List<String> have = listing.files();
        String weights = WEIGHTS.stream().filter(have::contains).findFirst().orElse(null);
        if (weights == null || !have.contains(LlamaConfig.FILE_NAME)) {
            throw new HubException(HubException.Kind.NOT_FOUND, repo + "@" + listing.sha() + " holds no "
                    + (weights == null ? "weights we can read (" + String.join(", ", WEIGHTS) + ")"
                            : LlamaConfig.FILE_NAME)
                    + "; its files are: " + String.join(", ", have));
        }
        List<String> files = new ArrayList<>();
        files.add(LlamaConfig.FILE_NAME);
        files.add(weights);
        for (String side : SideFiles.NAMES) {
            boolean otherTokenizer = side.equals(SideFiles.TOKENIZER_MODEL) && have.contains(SideFiles.TOKENIZER_JSON);
            if (have.contains(side) && !otherTokenizer) {
                files.add(side);
            }
        }
        return new ModelFiles(List.copyOf(files), weights.endsWith(".index.json") ? weights : null);
    }

    /**
     * The bytes a download of these files takes on the hub, without reading the shard index: its shards are the
     * files named as transformers names them ({@code model-00001-of-00002.safetensors} beside
     * {@code model.safetensors.index.json}). Null when the listing gives no size for one of them.
     */
    Long hubBytes(RepoListing listing) {
        List<String> all = new ArrayList<>(files);
        if (index != null) {
            String single = index.substring(0, index.length() - ".index.json".length());
            int dot = single.lastIndexOf('.');
            Pattern shard = Pattern.compile(Pattern.quote(single.substring(0, dot)) + "-\\d+-of-\\d+"
                    + Pattern.quote(single.substring(dot)));
            listing.files().stream().filter(f -> shard.matcher(f).matches()).forEach(all::add);
        }
        return listing.bytesOf(all);
    }
}
