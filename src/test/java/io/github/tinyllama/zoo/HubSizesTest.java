package io.github.tinyllama.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The size of a checkpoint's download as read from the hub's file list with sizes ({@code ?blobs=true}). */
class HubSizesTest {
    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    private static final URI URL = URI.create("http://127.0.0.1/api/models/o/n/revision/main?blobs=true");

    private static RepoListing listing(String siblings) throws HubException {
        return RepoListing.parse("{\"sha\": \"" + SHA + "\", \"siblings\": [" + siblings + "]}", "o/n", "main", URL);
    }

    @Test
    void aShardedDownloadCountsItsShardsAndNotTheModelCard() throws HubException {
        RepoListing l = listing("{\"rfilename\": \"config.json\", \"size\": 700},"
                + "{\"rfilename\": \"README.md\", \"size\": 5000},"
                + "{\"rfilename\": \"model.safetensors.index.json\", \"size\": 30},"
                + "{\"rfilename\": \"model-00001-of-00002.safetensors\", \"size\": 1000,"
                + " \"lfs\": {\"sha256\": \"x\", \"size\": 1000, \"pointerSize\": 134}},"
                + "{\"rfilename\": \"model-00002-of-00002.safetensors\", \"lfs\": {\"size\": 400}},"
                + "{\"rfilename\": \"tokenizer.model\", \"size\": 500000}");
        assertEquals(700 + 30 + 1000 + 400 + 500000, ModelFiles.choose("o/n", l).hubBytes(l),
                "config, index, both shards (one sized by its lfs entry only), tokenizer.model");
    }

    @Test
    void aFileWithoutASizeMakesTheTotalUnknown() throws HubException {
        RepoListing l = listing("{\"rfilename\": \"config.json\", \"size\": 700},"
                + "{\"rfilename\": \"model.safetensors\"}");
        assertNull(ModelFiles.choose("o/n", l).hubBytes(l));
        RepoListing odd = listing("{\"rfilename\": \"config.json\", \"size\": -1},"
                + "{\"rfilename\": \"model.safetensors\", \"size\": \"big\"}");
        assertNull(ModelFiles.choose("o/n", odd).hubBytes(odd), "sizes that are not byte counts are not used");
    }

    @Test
    void theFileListIsAskedForWithItsSizes() {
        assertEquals("http://h/api/models/o/n/revision/v1.0?blobs=true", RepoListing.url("http://h", "o/n", "v1.0")
                .toString());
    }
}
