from django.urls import path

from tracker import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", views.dashboard, name="dashboard"),
    path("actions/", views.action_list, name="action-list"),
    path("actions/export.csv", views.action_export, name="action-export"),
    path("actions/<int:pk>/", views.action_detail, name="action-detail"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
]
