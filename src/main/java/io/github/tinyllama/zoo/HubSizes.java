package io.github.tinyllama.zoo;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes each checkpoint's download takes on the hub, for {@code tinyllama models}: asked of the hub's API
 * when online (its file list with sizes), remembered in the cache, and read from there offline or when the
 * hub cannot be asked. Each repository is asked once, without retries, and after the hub fails once
 * (unreachable, an error answer, something that is not its JSON) the rest come from the cache, so a hub that
 * cannot be reached costs one failed request, not one per checkpoint.
 */
final class HubSizes {
    private static final Logger LOG = LoggerFactory.getLogger(HubSizes.class);

    private final HubClient hub;
    private boolean asking;

    HubSizes(HubClient hub) {
        this.hub = hub;
        this.asking = !hub.isOffline();
    }

    /**
     * The bytes of a checkpoint's download at a revision, or null when neither the hub nor the cache knows.
     *
     * @throws IOException if the cache cannot be read or written
     */
    Long of(CatalogEntry entry, String revision) throws IOException {
        if (asking) {
            try {
                RepoListing listing = hub.listing(entry.repo(), revision, 1);
                Long bytes = ModelFiles.choose(entry.repo(), listing).hubBytes(listing);
                if (bytes != null) {
                    hub.cache().recordHubBytes(entry.repo(), revision, bytes);
                    return bytes;
                }
            } catch (HubException e) {
                if (e.kind() == HubException.Kind.NETWORK || e.kind() == HubException.Kind.HTTP_ERROR) {
                    asking = false;
                    LOG.warn("Could not ask the hub for the checkpoints' sizes ({}); showing the sizes the cache"
                            + " remembers", e.getMessage());
                }
                // Otherwise this repository alone is missing, private or unreadable: the others may answer.
            }
        }
        return hub.cache().hubBytes(entry.repo(), revision);
    }
}
