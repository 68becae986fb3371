vcl 4.1;

# Varnish in front of Chommie gateways: caches public persisted reads (GET /graphql?documentId=…
# or an APQ hash) for as long as the gateway's Cache-Control allows (HTTP_CACHE_MAX_AGE_S, a few
# seconds), and passes everything else. The gateway decides what is public; this file only makes
# sure nothing personal or unsafe is ever stored or shared. Tested by test/edge-cache.test.ts,
# which substitutes the backend's port.

backend gateway {
    .host = "127.0.0.1";
    .port = "4000";
}

sub vcl_recv {
    # Metrics are for operators (operation names, error counts, pool state): never through the
    # edge, with or without a token. Prometheus scrapes each gateway's METRICS_PORT directly.
    if (req.url ~ "^/metrics($|[?/])") {
        return (synth(404, "Not Found"));
    }
    # Writes, and anything not a plain read, go straight to a gateway.
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # What a token or a cookie sees is never shared, nor answered from a shared copy. (The
    # gateway also never says `public` to a request with Authorization.)
    if (req.http.Authorization || req.http.Cookie) {
        return (pass);
    }
    # Only the GraphQL endpoint is cached; /ready and /export always reach a gateway.
    if (req.url !~ "^/graphql\?") {
        return (pass);
    }
    return (hash);
}

sub vcl_backend_response {
    # Kept only when the gateway says `public` (with s-maxage/max-age, which Varnish reads into
    # beresp.ttl). `private`, `no-store`, `no-cache`, a Set-Cookie or no Cache-Control at all:
    # never stored, and marked hit-for-miss briefly so requests do not queue behind each other.
    if (beresp.http.Cache-Control !~ "(^|,)\s*public\s*(,|$)" || beresp.http.Cache-Control ~ "private|no-store|no-cache" || beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 5s;
        return (deliver);
    }
    # No grace: a copy past its max-age is never served, so max-age bounds how stale a read can
    # be after a write (the edge cannot be purged by the gateway's tags). `keep` lets Varnish
    # revalidate an expired copy with If-None-Match: the gateway answers 304 when it is unchanged.
    set beresp.grace = 0s;
    set beresp.keep = 60s;
    # What describes the client that caused the miss, not the answer: its rate-limit budget and
    # its request id must not reach everyone the copy is served to. (RateLimit-Policy is the
    # same for every client and stays.)
    unset beresp.http.RateLimit;
    unset beresp.http.X-Request-Id;
    return (deliver);
}

sub vcl_deliver {
    # Whether this answer came from the edge copy (for tests, benches and debugging).
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
