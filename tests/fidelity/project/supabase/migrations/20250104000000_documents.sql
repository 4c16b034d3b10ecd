-- Embeddings with an HNSW index and a similarity search function (Supabase's AI guide).
create table if not exists public.documents (
  id bigint primary key generated always as identity,
  content text not null,
  embedding extensions.vector(3),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.documents is 'Documents and their embeddings.';
alter table public.documents enable row level security;
create policy "documents are readable" on public.documents for select to authenticated using (true);
create index if not exists documents_embedding_idx on public.documents
  using hnsw (embedding extensions.vector_cosine_ops);

create or replace function public.match_documents(query_embedding extensions.vector(3), match_count int)
  returns table (id bigint, content text, similarity float)
  language sql stable set search_path = ''
as $$
  select d.id, d.content, 1 - (d.embedding operator(extensions.<=>) query_embedding) as similarity
  from public.documents d
  order by d.embedding operator(extensions.<=>) query_embedding
  limit match_count;
$$;
