package io.github.tinyllama.zoo;

import ai.djl.Application;
import ai.djl.repository.MRL;
import ai.djl.MalformedModelException;
import ai.djl.repository.zoo.BaseModelLoader;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooModel;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * Every released TinyLlama checkpoint by name, for DJL's {@code Criteria}:
 *
 * <pre>{@code
 * Criteria<String, String> c = Criteria.builder().setTypes(String.class, String.class)
 *     .optApplication(Application.NLP.TEXT_GENERATION)
 *     .optArtifactId("TinyLlama-1.1B-Chat-v1.0").build();
 * }</pre>
 *
 * <p>Artifacts carry the properties {@code family}, {@code chatFormat}, {@code trainingTokens}
 * ("105B" … "3T"), {@code steps}, {@code repo}, {@code revision} and {@code license}, usable as
 * Criteria filters. Files come from the Hugging Face hub through {@link HubClient} into DJL's cache,
 * pinned to the commit the revision points to; {@code optArgument("revision", "v1.0")} selects
 * another branch, tag or commit than the catalogue's.
 */
public final class TinyLlamaModelZoo extends ModelZoo {

    /** The zoo's group id. */
    public static final String GROUP_ID = "io.github.tinyllama";

    private final HubRepository repository;

    /** Builds the zoo with a hub client configured from the environment. */
    public TinyLlamaModelZoo() {
        this(HubClient.fromEnvironment());
    }

    /**
     * Builds the zoo on a given hub client (another endpoint, cache or token).
     *
     * @param hub the client that downloads files
     */
    public TinyLlamaModelZoo(HubClient hub) {
        repository = new HubRepository(hub);
        for (CatalogEntry entry : Catalog.entries()) {
            MRL mrl = MRL.model(repository, Application.NLP.TEXT_GENERATION, GROUP_ID, entry.artifactId(),
                    HubRepository.VERSION, entry.artifactId());
            repository.addResource(mrl);
            addModel(new RevisionAwareLoader(mrl));
        }
    }

    @Override
    public String getGroupId() {
        return GROUP_ID;
    }

    @Override
    public Set<String> getSupportedEngines() {
        return Set.of("PyTorch");
    }

    /** Loads at the revision of the {@code revision} argument, when there is one. */
    private final class RevisionAwareLoader extends BaseModelLoader {
        RevisionAwareLoader(MRL mrl) {
            super(mrl);
        }

        @Override
        public <I, O> ZooModel<I, O> loadModel(Criteria<I, O> criteria)
                throws IOException, ModelNotFoundException, MalformedModelException {
            Map<String, Object> arguments = criteria.getArguments(); // null when none were given
            Object revision = arguments == null ? null : arguments.get(HubRepository.REVISION);
            if (revision == null) {
                return super.loadModel(criteria);
            }
            try (HubRepository.RevisionScope ignored = repository.atRevision(revision.toString())) {
                return super.loadModel(criteria);
            }
        }
    }

    /** The hub client this zoo downloads with. */
    public HubClient hub() {
        return repository.hub();
    }
}
