/*
 * virtio balloon: free page reporting (virtio 1.2 §5.5.6.7) and free page
 * hinting (§5.5.6.5).
 *
 * Reporting: each chain on reporting_vq is a scatter list of free guest
 * blocks (Linux: up to 32 naturally aligned blocks of 2 or 4 MiB, device-
 * writable, nothing written back). The device gives them to the host and
 * uses the chain; the guest may reuse them as soon as it sees it used.
 * Without PAGE_POISON the blocks read as zero afterwards. With PAGE_POISON
 * they must keep poison_val (§5.5.6.7.2): zero is then a value like any
 * other (init_on_free), and any other value stays in place.
 *
 * Hinting: the host starts a round by writing a new command id into the
 * configuration; the driver answers on free_page_vq with that id in a
 * 4-byte readable buffer, then hands over free blocks as writable buffers,
 * then sends STOP. The guest treats hinted blocks as uninitialised until
 * the host says DONE (§5.5.6.5.1), and puts them back through the page
 * allocator, which poisons or clears them again, so the device gives them
 * back to the host as zeroes right away. Blocks sent under an id other
 * than the current one are ignored, as §5.5.6.5.2 requires.
 *
 * Every range was checked by the virtqueue code to lie inside one RAM
 * region; this file refuses the ones that are not whole 4 KiB pages.
 */
#include <string.h>

#include "core/log.h"
#include "virtio/balloon_int.h"
#include "virtio/virtio.h"

static bool balloon_range_ok(struct virtio_balloon *b, const struct virtq_seg *s, const char *what)
{
    if (!((s->addr | s->len) & (BALLOON_PAGE - 1)))
        return true;
    b->st.bad_entries++;
    emu_warn_once(&b->warned_range, "virtio-balloon: %s range 0x%llx+0x%x is not whole 4 KiB pages; ignored", what,
                  (unsigned long long)s->addr, s->len);
    return false;
}

static void balloon_report_chain(struct virtio_balloon *b, const struct virtq_chain *c)
{
    bool poison = (b->features & VIRTIO_BIT(BALLOON_F_PAGE_POISON)) != 0;
    uint32_t fill = poison ? b->poison_val : 0;

    /* §5.5.6.7 does not say which way the buffers point: take both. */
    for (uint32_t i = 0; i < c->nseg; i++) {
        const struct virtq_seg *s = &c->seg[i];
        if (balloon_range_ok(b, s, "reported") && balloon_release(b, s->addr, s->len, fill) == 0)
            b->st.pages_reported += s->len >> BALLOON_PFN_SHIFT;
    }
    b->st.report_requests++;
}

int balloon_report_notify(struct virtio_balloon *b, struct virtq *vq)
{
    struct virtq_chain c;
    int rc;

    balloon_sample(b, false);
    virtq_chain_init(&c);
    while ((rc = virtq_pop(vq, &c)) > 0) {
        balloon_report_chain(b, &c);
        if (virtq_push(vq, &c, 0) != 0) {
            rc = -1;
            break;
        }
    }
    virtq_notify(vq);
    virtq_chain_free(&c);
    return rc < 0 ? -1 : 0;
}

/* A 4-byte command id from the driver (§5.5.6.5.1). */
static int balloon_hint_command(struct virtio_balloon *b, struct virtq *vq, const struct virtq_chain *c)
{
    uint8_t id[4];

    if (c->read_len != sizeof(id)) {
        b->st.bad_entries++;
        emu_warn_once(&b->warned_hint, "virtio-balloon: free page hint command of %llu bytes, not 4; ignored",
                      (unsigned long long)c->read_len);
        return 0;
    }
    if (virtq_chain_read(vq, c, 0, id, sizeof(id)) != (int64_t)sizeof(id))
        return -1;
    uint32_t v = balloon_le32(id);
    if (v == BALLOON_CMD_ID_STOP) {
        b->hint_rx_id = BALLOON_CMD_ID_STOP;
    } else if (v >= BALLOON_CMD_ID_MIN && v == b->cmd_id) {
        b->hint_rx_id = v;
        b->st.hint_rounds++;
    }
    return 0;
}

static void balloon_hint_pages(struct virtio_balloon *b, const struct virtq_chain *c)
{
    if (b->hint_rx_id < BALLOON_CMD_ID_MIN || b->hint_rx_id != b->cmd_id)
        return;
    for (uint32_t i = c->nread; i < c->nseg; i++) {
        const struct virtq_seg *s = &c->seg[i];
        if (balloon_range_ok(b, s, "hinted") && balloon_release(b, s->addr, s->len, 0) == 0)
            b->st.pages_hinted += s->len >> BALLOON_PFN_SHIFT;
    }
}

int balloon_hint_notify(struct virtio_balloon *b, struct virtq *vq)
{
    struct virtq_chain c;
    int rc;

    balloon_sample(b, false);
    virtq_chain_init(&c);
    while ((rc = virtq_pop(vq, &c)) > 0) {
        if (c.write_len == 0 && balloon_hint_command(b, vq, &c) != 0) {
            rc = -1;
            break;
        }
        if (c.write_len != 0)
            balloon_hint_pages(b, &c);
        if (virtq_push(vq, &c, 0) != 0) {
            rc = -1;
            break;
        }
    }
    virtq_notify(vq);
    virtq_chain_free(&c);
    return rc < 0 ? -1 : 0;
}
