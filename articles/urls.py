from django.contrib.sitemaps.views import sitemap
from django.urls import path

from articles import feeds, sitemaps, views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "articles/<int:year>/<int:month>/<int:day>/<slug:slug>/",
        views.story_detail,
        name="story-detail",
    ),
    path("preview/<int:pk>/", views.story_preview, name="story-preview"),
    path("share/<str:token>/", views.story_share, name="story-share"),
    path("topics/<slug:slug>/", views.TopicView.as_view(), name="topic-detail"),
    path("authors/<slug:slug>/", views.AuthorView.as_view(), name="author-detail"),
    path(
        "clarifications/",
        views.ClarificationListView.as_view(),
        name="clarification-list",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path(
        "corrections-policy/",
        views.CorrectionsPolicyView.as_view(),
        name="corrections-policy",
    ),
    # Feeds: RSS and Atom for the same four lists.
    path("feeds/latest.rss", feeds.LatestStoriesFeed(), name="latest-feed-rss"),
    path("feeds/latest.atom", feeds.LatestStoriesAtomFeed(), name="latest-feed-atom"),
    path(
        "topics/<slug:slug>/feed.rss",
        feeds.TopicStoriesFeed(),
        name="topic-feed-rss",
    ),
    path(
        "topics/<slug:slug>/feed.atom",
        feeds.TopicStoriesAtomFeed(),
        name="topic-feed-atom",
    ),
    path(
        "authors/<slug:slug>/feed.rss",
        feeds.AuthorStoriesFeed(),
        name="author-feed-rss",
    ),
    path(
        "authors/<slug:slug>/feed.atom",
        feeds.AuthorStoriesAtomFeed(),
        name="author-feed-atom",
    ),
    path(
        "clarifications/feed.rss",
        feeds.ClarificationsFeed(),
        name="clarification-feed-rss",
    ),
    path(
        "clarifications/feed.atom",
        feeds.ClarificationsAtomFeed(),
        name="clarification-feed-atom",
    ),
    # For crawlers.
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps.SITEMAPS}, name="sitemap"),
    path("news-sitemap.xml", sitemaps.news_sitemap, name="news-sitemap"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
]
