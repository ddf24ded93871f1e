/*
 * The in-memory index of each box's documents: ids, keys and sizes, so
 * that limits and doc_key lookups need no disk access. Rebuilt from the
 * disk at every open; the disk stays the truth.
 */
#include "box_priv.h"

#include <stdlib.h>
#include <string.h>

struct box_doc_ent *box_index_find_id(struct box_slot *s, uint32_t id)
{
	size_t lo = 0, hi = s->ndocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->docs[mid].id == id)
			return &s->docs[mid];
		if (s->docs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Linear: a box holds at most BOX_MAX_DOC_LIMIT documents, and stores are rare. */
struct box_doc_ent *box_index_find_key(struct box_slot *s, const char *key)
{
	for (size_t i = 0; i < s->ndocs; i++)
		if (s->docs[i].key[0] && !strcmp(s->docs[i].key, key))
			return &s->docs[i];
	return NULL;
}

int box_index_reserve(struct box_slot *s)
{
	size_t ncap;
	struct box_doc_ent *nd;

	if (s->ndocs < s->cap)
		return BOX_OK;
	ncap = s->cap ? s->cap * 2 : 16;
	nd = realloc(s->docs, ncap * sizeof(*nd));
	if (!nd)
		return BOX_E_NOMEM;
	s->docs = nd;
	s->cap = ncap;
	return BOX_OK;
}

int box_index_add(struct box_store *st, struct box_slot *s, uint32_t id, uint64_t size,
		  const char *key)
{
	size_t pos = s->ndocs;

	if (box_index_reserve(s))
		return BOX_E_NOMEM;
	while (pos && s->docs[pos - 1].id > id)
		pos--;
	memmove(&s->docs[pos + 1], &s->docs[pos], (s->ndocs - pos) * sizeof(*s->docs));
	s->docs[pos].id = id;
	s->docs[pos].size = size;
	strcpy(s->docs[pos].key, key ? key : "");
	s->ndocs++;
	s->bytes += size;
	st->used += size;
	return BOX_OK;
}

void box_index_remove(struct box_store *st, struct box_slot *s, uint32_t id)
{
	struct box_doc_ent *e = box_index_find_id(s, id);
	size_t pos;

	if (!e)
		return;
	pos = (size_t)(e - s->docs);
	s->bytes -= e->size;
	st->used -= e->size;
	memmove(e, e + 1, (s->ndocs - pos - 1) * sizeof(*e));
	s->ndocs--;
}
