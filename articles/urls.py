from django.contrib.sitemaps.views import sitemap
from django.urls import path

from articles import feeds, sitemaps, views
from newsroom.pagecache import public_page

app_name = "articles"

# Pages every anonymous reader shares are wrapped in public_page (the page cache,
# newsroom/pagecache.py): ETag/304, Cache-Control for shared caches. Previews and
# share links are per-reader (never_cache); search is not cached (a page per query).

urlpatterns = [
    path("", public_page(views.HomeView.as_view(), parameters=("page",)), name="home"),
    path(
        "articles/<int:year>/<int:month>/<int:day>/<slug:slug>/",
        public_page(views.story_detail),
        name="story-detail",
    ),
    path(
        "articles/<int:year>/<int:month>/<int:day>/<slug:slug>/changes/",
        public_page(views.story_changes),
        name="story-changes",
    ),
    path("preview/<int:pk>/", views.story_preview, name="story-preview"),
    path("share/<str:token>/", views.story_share, name="story-share"),
    path(
        "topics/<slug:slug>/",
        public_page(views.TopicView.as_view(), parameters=("page",)),
        name="topic-detail",
    ),
    path(
        "authors/<slug:slug>/",
        public_page(views.AuthorView.as_view(), parameters=("page",)),
        name="author-detail",
    ),
    path(
        "clarifications/",
        public_page(views.ClarificationListView.as_view(), parameters=("page",)),
        name="clarification-list",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path(
        "corrections-policy/",
        public_page(views.CorrectionsPolicyView.as_view()),
        name="corrections-policy",
    ),
    # Feeds: RSS and Atom for the same four lists.
    path(
        "feeds/latest.rss",
        public_page(feeds.LatestStoriesFeed()),
        name="latest-feed-rss",
    ),
    path(
        "feeds/latest.atom",
        public_page(feeds.LatestStoriesAtomFeed()),
        name="latest-feed-atom",
    ),
    path(
        "topics/<slug:slug>/feed.rss",
        public_page(feeds.TopicStoriesFeed()),
        name="topic-feed-rss",
    ),
    path(
        "topics/<slug:slug>/feed.atom",
        public_page(feeds.TopicStoriesAtomFeed()),
        name="topic-feed-atom",
    ),
    path(
        "authors/<slug:slug>/feed.rss",
        public_page(feeds.AuthorStoriesFeed()),
        name="author-feed-rss",
    ),
    path(
        "authors/<slug:slug>/feed.atom",
        public_page(feeds.AuthorStoriesAtomFeed()),
        name="author-feed-atom",
    ),
    path(
        "clarifications/feed.rss",
        public_page(feeds.ClarificationsFeed()),
        name="clarification-feed-rss",
    ),
    path(
        "clarifications/feed.atom",
        public_page(feeds.ClarificationsAtomFeed()),
        name="clarification-feed-atom",
    ),
    # For crawlers.
    path(
        "sitemap.xml",
        public_page(sitemap, parameters=("p",)),
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap",
    ),
    path("news-sitemap.xml", public_page(sitemaps.news_sitemap), name="news-sitemap"),
    path("robots.txt", public_page(views.robots_txt), name="robots-txt"),
]
