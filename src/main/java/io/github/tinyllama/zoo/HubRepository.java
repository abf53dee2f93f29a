package io.github.tinyllama.zoo;

import ai.djl.Application;
import ai.djl.repository.AbstractRepository;
import ai.djl.repository.Artifact;
import ai.djl.repository.MRL;
import ai.djl.repository.Metadata;
import ai.djl.repository.VersionRange;
import ai.djl.util.Progress;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A DJL {@link ai.djl.repository.Repository} over the Hugging Face hub: artifacts come from the
 * catalogue, files from {@link CheckpointFetch} (pinned, resumable, verified, cached), and each artifact carries
 * the arguments DJL's generic loader needs to build our block and translators.
 */
final class HubRepository extends AbstractRepository {

    /** The one version of each artifact; the HF revision is an argument, since DJL versions are numeric. */
    static final String VERSION = "1.0";

    /** The artifact property, and the Criteria argument, that names the hub revision. */
    static final String REVISION = "revision";

    private final HubClient hub;
    private final CheckpointFetch fetch;
    private final List<MRL> resources = new ArrayList<>();
    private final ThreadLocal<String> revisionOverride = new ThreadLocal<>();

    HubRepository(HubClient hub) {
        super("huggingface", URI.create(hub.endpoint()));
        this.hub = hub;
        this.fetch = new CheckpointFetch(hub);
    }

    @Override
    public boolean isRemote() {
        return true;
    }

    @Override
    public Metadata locate(MRL mrl) throws IOException {
        CatalogEntry entry = entry(mrl.getArtifactId());
        Metadata metadata = new Metadata();
        metadata.setGroupId(mrl.getGroupId());
        metadata.setArtifactId(entry.artifactId());
        metadata.setName(entry.artifactId());
        metadata.setDescription(entry.description());
        if (entry.bundled() == null) {
            metadata.setWebsite(hub.endpoint() + "/" + entry.repo());
        }
        metadata.setApplication(Application.NLP.TEXT_GENERATION);
        metadata.setRepositoryUri(URI.create(entry.bundled() == null ? hub.endpoint() + "/" + entry.repo()
                : entry.bundled()));
        metadata.addArtifact(artifact(entry, metadata));
        return metadata;
    }

    @Override
    public Artifact resolve(MRL mrl, Map<String, String> filters) throws IOException {
        List<Artifact> found = locate(mrl).search(VersionRange.parse(mrl.getVersion()), filters);
        return found.isEmpty() ? null : found.get(0);
    }

    /**
     * Makes loads on this thread use another revision than the catalogue's until the scope closes.
     * DJL caches one artifact per name and passes Criteria arguments only to the translator, so the
     * revision travels beside the artifact, on the loading thread.
     */
    RevisionScope atRevision(String revision) {
        String previous = revisionOverride.get();
        revisionOverride.set(revision);
        return () -> revisionOverride.set(previous);
    }

    /** Restores the revision that was in effect before. */
    interface RevisionScope extends AutoCloseable {
        @Override
        void close();
    }

    private String revisionOf(Artifact artifact) {
        String override = revisionOverride.get();
        return override != null ? override : artifact.getProperties().get(REVISION);
    }

    @Override
    public void prepare(Artifact artifact, Progress progress) throws IOException {
        fetch.fetch(entry(artifact.getName()), revisionOf(artifact), progress);
    }

    @Override
    public Path getResourceDirectory(Artifact artifact) throws IOException {
        CatalogEntry entry = entry(artifact.getName());
        String revision = revisionOf(artifact);
        Path dir = fetch.cached(entry, revision);
        return dir != null ? dir : hub.localDir(entry.repo(), revision);
    }

    @Override
    public Path getCacheDirectory() {
        return hub.cacheRoot();
    }

    @Override
    public List<MRL> getResources() {
        return List.copyOf(resources);
    }

    @Override
    public void addResource(MRL mrl) {
        resources.add(mrl);
    }

    HubClient hub() {
        return hub;
    }

    private static CatalogEntry entry(String artifactId) throws IOException {
        return Catalog.find(artifactId).orElseThrow(() -> new IOException("no TinyLlama checkpoint named '"
                + artifactId + "' in the catalogue"));
    }

    private static Artifact artifact(CatalogEntry entry, Metadata metadata) {
        Artifact artifact = new Artifact();
        artifact.setName(entry.artifactId());
        artifact.setVersion(VERSION);
        artifact.setMetadata(metadata);
        Map<String, String> properties = new LinkedHashMap<>();
        if (entry.bundled() == null) {
            properties.put("repo", entry.repo());
            properties.put(REVISION, entry.revision());
        } else {
            properties.put("bundled", entry.bundled());
        }
        properties.put("family", entry.family());
        properties.put("chatFormat", entry.chatFormat());
        properties.put("trainingTokens", entry.tokensLabel());
        if (entry.steps() != null) {
            properties.put("steps", String.valueOf(entry.steps()));
        }
        properties.put("license", entry.license());
        artifact.setProperties(properties);
        Map<String, Object> arguments = new LinkedHashMap<>();
        arguments.put("blockFactory", TinyLlamaBlockFactory.class.getName());
        arguments.put("translatorFactory", TinyLlamaTranslatorFactory.class.getName());
        arguments.put(TinyLlamaTranslatorFactory.CATALOG_CHAT_FORMAT, entry.chatFormat());
        artifact.setArguments(arguments);
        // The block factory reads the weights itself; DJL has no parameter file to look for.
        artifact.setOptions(Map.of("hasParameter", "false"));
        return artifact;
    }
}
