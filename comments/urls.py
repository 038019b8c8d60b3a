from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("<int:story_id>/", views.comment_list, name="comment-list"),
    path("<int:story_id>/write/", views.comment_form, name="comment-form"),
    path("<int:story_id>/yours/", views.my_pending_comments, name="comment-pending"),
    path("report/<int:comment_id>/", views.report_form, name="comment-report"),
]
