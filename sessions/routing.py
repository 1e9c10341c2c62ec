from django.urls import path

from .consumers import InquiryConsumer

websocket_urlpatterns = [
    path("ws/i/<str:code>/", InquiryConsumer.as_asgi()),
]
