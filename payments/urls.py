from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("pay/fake/<str:ref>/", views.fake_gateway, name="fake_gateway"),
]
