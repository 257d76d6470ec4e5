/*
 * virtio entropy device (virtio 1.2 §5.4).
 *
 * One queue, requestq 0; no feature bits, no configuration space. Each
 * buffer the driver posts is filled with bytes from a seeded generator
 * and returned at once. Device reset leaves the generator where it was, so
 * a guest that reboots within a run does not see the same bytes again.
 */
#include "virtio/rng.h"

#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/machine.h"
#include "core/prng.h"
#include "core/snap.h"
#include "virtio/virtqueue.h"

#define RNG_QUEUE_SIZE 64
/* §5.4.6.2: the device may use less than the whole buffer. Bounding one
 * request keeps the time a single notify can take small. */
#define RNG_MAX_REQUEST (64u * 1024u)
#define RNG_CHUNK 4096u

struct virtio_rng {
    struct prng prng;
    struct virtio_rng_stats stats;
};

static int rng_fill_chain(struct virtio_rng *r, struct virtq *vq, const struct virtq_chain *c, uint32_t *done)
{
    uint8_t buf[RNG_CHUNK];
    uint64_t want = c->write_len < RNG_MAX_REQUEST ? c->write_len : RNG_MAX_REQUEST;

    *done = 0;
    while (*done < want) {
        uint32_t n = (uint32_t)(want - *done < RNG_CHUNK ? want - *done : RNG_CHUNK);
        prng_fill(&r->prng, buf, n);
        if (virtq_chain_write(vq, c, *done, buf, n) != (int64_t)n)
            return -1;
        *done += n;
    }
    return 0;
}

static int rng_notify(void *dev, struct virtq *vq)
{
    struct virtio_rng *r = dev;
    struct virtq_chain c;
    int rc;

    virtq_chain_init(&c);
    while ((rc = virtq_pop(vq, &c)) > 0) {
        uint32_t n;
        /* §5.4.6.1: readable descriptors are a driver error; they are
         * skipped, only the writable part is filled. */
        if (rng_fill_chain(r, vq, &c, &n) != 0 || virtq_push(vq, &c, n) != 0) {
            rc = -1;
            break;
        }
        r->stats.requests++;
        r->stats.bytes += n;
    }
    virtq_notify(vq);
    virtq_chain_free(&c);
    return rc < 0 ? -1 : 0;
}

/* Snapshot and state hash: the generator's state and the counters. */
static int rng_snap(void *dev, struct snap *s)
{
    struct virtio_rng *r = dev;
    uint64_t st[4];
    memcpy(st, r->prng.s, sizeof(st));
    snap_u64s(s, "prng", st, 4);
    if (snap_loading(s) && snap_status(s) == 0)
        prng_set_state(&r->prng, st);
    snap_u64(s, "stats.requests", &r->stats.requests);
    snap_u64(s, "stats.bytes", &r->stats.bytes);
    return snap_status(s);
}

static const struct virtio_dev_ops rng_ops = {
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 1,
    .queue_size_max = RNG_QUEUE_SIZE,
    .queue_notify = rng_notify,
    .save = rng_snap,
    .load = rng_snap,
};

static void *rng_create(const struct virtio_env *env, const struct devopts *o, const struct virtio_dev_ops **ops,
                        struct emu_err *err)
{
    static const char *const keys[] = { "seed", NULL };
    uint64_t dflt = prng_mix(env->m ? env->m->cfg.seed : 0, env->index);
    uint64_t seed;

    if (devopts_check_keys(o, keys, err) < 0 || devopts_u64(o, "seed", dflt, &seed, err) < 0)
        return NULL;
    struct virtio_rng *r = calloc(1, sizeof(*r));
    if (!r) {
        emu_errf(err, "%s: out of memory", o->name);
        return NULL;
    }
    prng_seed(&r->prng, seed);
    *ops = &rng_ops;
    return r;
}

static void rng_destroy(void *dev)
{
    free(dev);
}

struct virtio_rng_stats virtio_rng_get_stats(const void *dev)
{
    return ((const struct virtio_rng *)dev)->stats;
}

static void rng_write_stats(void *dev, struct json *j)
{
    const struct virtio_rng *r = dev;

    json_kv_u64(j, "requests", r->stats.requests);
    json_kv_u64(j, "bytes", r->stats.bytes);
}

const struct virtio_device_desc virtio_rng_desc = {
    .name = "virtio-rng",
    .alias = "virtio-rng-device",
    .summary = "entropy source seeded from --seed and the slot (virtio 1.2 §5.4)",
    .options = "[seed=N]",
    .create = rng_create,
    .destroy = rng_destroy,
    .write_stats = rng_write_stats,
};
